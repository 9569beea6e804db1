//! Which events are the tool's to handle: those of managed Regions, each
//! from the account that owns the Region's transit gateway.

use super::Handler;
use crate::error::Error;
use crate::events::Incoming;

impl Handler {
    /// `Some(reason)` when the event is out of scope and must be dropped.
    ///
    /// An event of a Region whose clients assume a role must come from that
    /// role's account; the tool's own events, events of no Region (the
    /// schedule) and those of the other Regions from the hub's.
    ///
    /// # Errors
    /// The hub's account could not be learned ([`crate::ports::Identity`]).
    pub(super) async fn out_of_scope(&self, inc: &Incoming) -> Result<Option<String>, Error> {
        for region in inc.region.iter().chain(&inc.peer_region) {
            if !self.config.regions.contains(region) {
                return Ok(Some(format!("{region} is not a managed Region")));
            }
        }
        let Some(account) = &inc.account else {
            return Ok(None);
        };
        let role = match (&inc.region, inc.from_tool) {
            (Some(region), false) => {
                self.config.account_role_arns.get(region).map(|role| (region, role))
            }
            _ => None,
        };
        if let Some((region, role)) = role {
            let expected = role.account();
            return Ok((account != expected).then(|| {
                format!(
                    "account {account} is not {expected}, the account of {region}'s role {role} (ACCOUNT_ROLE_ARNS)"
                )
            }));
        }
        let own = self.account.get_or_try_init(|| self.identity.account()).await?;
        Ok((account != own).then(|| {
            let whose = match (&inc.region, inc.from_tool) {
                (Some(region), false) => {
                    format!("{region} has no role in ACCOUNT_ROLE_ARNS, so its events come from")
                }
                _ => "the tool's own and scheduled events come from".to_owned(),
            };
            format!("account {account} is not {own}: {whose} the hub's account {own}")
        }))
    }
}
