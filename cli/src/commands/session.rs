//! A configuration and the clients of its Regions.

use aws_config::SdkConfig;
use tgw_peering_core::aws::{load_sdk_config, AwsClients, CallCounts};
use tgw_peering_core::observe::{observe, observe_for};
use tgw_peering_core::verify::{verify, Keep, Verification};
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

    /// Reads every Region with what path verification needs, plans and
    /// verifies every path (keeping the paths `keep` says).
    ///
    /// # Errors
    /// As [`Session::plan`].
    pub async fn plan_and_verify(&self, keep: Keep) -> Result<(Plan, Verification), Error> {
        let observed = observe_for(&self.clients, &self.config, true).await?;
        let plan = make_plan(&observed, &self.config)?;
        Ok((plan, verify(&observed, &self.config, keep)))
    }

    /// The EC2 calls made so far through this session.
    pub fn calls(&self) -> CallCounts {
        self.clients.counter().snapshot()
    }
}
