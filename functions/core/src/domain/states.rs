//! The states AWS reports for transit gateway attachments and their
//! associations, as enums with an `Other` arm for a state AWS adds later
//! (serialized as AWS spells them).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `From<&str>` (AWS's spelling, through `parse`) and `Display` (as AWS
/// spells it, through `as_str`) for a state enum.
macro_rules! aws_state {
    ($state:ty) => {
        impl From<&str> for $state {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl fmt::Display for $state {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A transit gateway attachment's state (`TransitGatewayAttachmentState`,
/// EC2 API reference: `initiating | initiatingRequest | pendingAcceptance |
/// rollingBack | pending | available | modifying | deleting | deleted |
/// failed | rejected | rejecting | failing`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttachmentState {
    Initiating,
    InitiatingRequest,
    PendingAcceptance,
    RollingBack,
    Pending,
    Available,
    Modifying,
    Deleting,
    Deleted,
    Failed,
    Rejected,
    Rejecting,
    Failing,
    /// A state this build does not know: neither usable, nor waited for,
    /// nor gone.
    #[serde(untagged)]
    Other(String),
}

impl AttachmentState {
    /// The state AWS names `s`.
    pub fn parse(s: &str) -> Self {
        match s {
            "initiating" => Self::Initiating,
            "initiatingRequest" => Self::InitiatingRequest,
            "pendingAcceptance" => Self::PendingAcceptance,
            "rollingBack" => Self::RollingBack,
            "pending" => Self::Pending,
            "available" => Self::Available,
            "modifying" => Self::Modifying,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            "failed" => Self::Failed,
            "rejected" => Self::Rejected,
            "rejecting" => Self::Rejecting,
            "failing" => Self::Failing,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The state as AWS spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Initiating => "initiating",
            Self::InitiatingRequest => "initiatingRequest",
            Self::PendingAcceptance => "pendingAcceptance",
            Self::RollingBack => "rollingBack",
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Modifying => "modifying",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
            Self::Rejecting => "rejecting",
            Self::Failing => "failing",
            Self::Other(s) => s,
        }
    }
}

aws_state!(AttachmentState);

/// An attachment's association with a route table
/// (`TransitGatewayAssociationState`, EC2 API reference: `associating |
/// associated | disassociating | disassociated`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AssociationState {
    Associating,
    Associated,
    Disassociating,
    Disassociated,
    /// A state this build does not know.
    #[serde(untagged)]
    Other(String),
}

impl AssociationState {
    /// The state AWS names `s`.
    pub fn parse(s: &str) -> Self {
        match s {
            "associating" => Self::Associating,
            "associated" => Self::Associated,
            "disassociating" => Self::Disassociating,
            "disassociated" => Self::Disassociated,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The state as AWS spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Associating => "associating",
            Self::Associated => "associated",
            Self::Disassociating => "disassociating",
            Self::Disassociated => "disassociated",
            Self::Other(s) => s,
        }
    }

    /// Associated, or on its way there: the attachment's traffic is (or is
    /// about to be) routed by the table.
    pub fn is_live(&self) -> bool {
        match self {
            Self::Associating | Self::Associated => true,
            Self::Disassociating | Self::Disassociated | Self::Other(_) => false,
        }
    }
}

aws_state!(AssociationState);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_as_aws_spells_it_and_an_unknown_one_is_kept() {
        for s in ["initiatingRequest", "pendingAcceptance", "available", "deleted", "failing"] {
            assert_eq!(AttachmentState::parse(s).as_str(), s);
            let json = serde_json::to_value(AttachmentState::parse(s)).unwrap();
            assert_eq!(json, serde_json::json!(s));
        }
        let later = AttachmentState::parse("hibernating");
        assert_eq!(later, AttachmentState::Other("hibernating".to_owned()));
        let back: AttachmentState =
            serde_json::from_value(serde_json::json!("hibernating")).unwrap();
        assert_eq!(back, later);
        assert_eq!(AssociationState::parse("disassociating"), AssociationState::Disassociating);
        assert!(!AssociationState::parse("someday").is_live());
    }
}
