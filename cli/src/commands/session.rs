//! A configuration and the clients of its Regions.

use aws_config::SdkConfig;
use tgw_peering_core::aws::{load_sdk_config, AwsClients, CallCounts};
use tgw_peering_core::observe::observe;
use tgw_peering_core::{plan as make_plan, Config, Error, Plan};

/// A configuration and the clients of its Regions.
pub struct Session {
    pub config: Config,
    pub clients: AwsClients,
}

impl Session {
    /// Configuration from the environment, SDK settings from the standard sources.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first invalid variable.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let shared = load_sdk_config(&config).await;
        Ok(Self::new(config, &shared))
    }

    pub fn new(config: Config, shared: &SdkConfig) -> Self {
        let clients = AwsClients::for_config(shared, &config);
        Self { config, clients }
    }

    /// Reads every Region and plans.
    ///
    /// # Errors
    /// A failed read ([`Error::Aws`], [`Error::Decode`]) or a Region that
    /// cannot be resolved ([`Error::Resolve`]).
    pub async fn plan(&self) -> Result<Plan, Error> {
        let observed = observe(&self.clients, &self.config).await?;
        make_plan(&observed, &self.config)
    }

    /// The EC2 calls made so far through this session.
    pub fn calls(&self) -> CallCounts {
        self.clients.counter().snapshot()
    }
}
