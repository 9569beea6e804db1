//! Who made a call that CloudTrail recorded.

use serde::Serialize;

use crate::domain::{AccountId, RoleArn};

/// The caller of a CloudTrail record, as its ARN says.
///
/// A role session is written two ways: the session's own ARN
/// (`arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION`, in
/// `userIdentity.arn`) and the role's (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`,
/// in `sessionContext.sessionIssuer.arn`). Both name the role by its
/// account and name, which is what [`Caller::is_role`] compares; the path
/// is in the second form only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The ARN as recorded.
    pub arn: String,
    /// The role's account and name, when the caller is a role session.
    #[serde(skip)]
    role: Option<(AccountId, String)>,
}

impl Caller {
    /// Reads a caller ARN; anything that is not a role or a role session
    /// (an IAM user, root, a federated user) has no role.
    pub fn of(arn: &str) -> Caller {
        let role = (|| {
            let mut parts = arn.splitn(6, ':');
            let (_, _, service, _, account, resource) = (
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
            );
            let name = match service {
                "iam" => resource.strip_prefix("role/")?.rsplit('/').next()?,
                "sts" => resource.strip_prefix("assumed-role/")?.split('/').next()?,
                _ => return None,
            };
            let account = AccountId::parse(account).ok()?;
            (!name.is_empty()).then(|| (account, name.to_owned()))
        })();
        Caller { arn: arn.to_owned(), role }
    }

    /// True when the caller is `role` or one of its sessions.
    pub fn is_role(&self, role: &RoleArn) -> bool {
        self.role
            .as_ref()
            .is_some_and(|(account, name)| account == role.account() && name == role.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_of_a_role_session_name_the_role_whatever_its_path() {
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/service/tgw-peering-x").unwrap();
        let session = Caller::of("arn:aws:sts::123456789012:assumed-role/tgw-peering-x/fn");
        let issuer = Caller::of("arn:aws:iam::123456789012:role/service/tgw-peering-x");
        assert!(session.is_role(&role) && issuer.is_role(&role));
        assert!(
            !Caller::of("arn:aws:sts::210987654321:assumed-role/tgw-peering-x/fn").is_role(&role)
        );
        assert!(!Caller::of("arn:aws:iam::123456789012:user/tgw-peering-x").is_role(&role));
        assert!(!Caller::of("arn:aws:iam::123456789012:root").is_role(&role));
        assert!(!Caller::of("not an arn").is_role(&role));
    }
}
