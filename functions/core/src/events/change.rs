//! What an event says changed: a CloudTrail call, typed by its EC2 API
//! name, or a description (a state change, a Network Manager change, a
//! watcher's announcement).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::domain::PeeringState;

/// How the watcher names the state of a side that does not list the
/// attachment.
pub const UNLISTED: &str = "unlisted";

/// The CloudTrail calls the tool reacts to, by their EC2 API names (the
/// `eventName` of the record; the hub's, the forwarder's and the workload
/// template's CloudTrail rules list the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Call {
    CreateVpc,
    DeleteVpc,
    AssociateVpcCidrBlock,
    DisassociateVpcCidrBlock,
    CreateTags,
    DeleteTags,
    CreateTransitGatewayPeeringAttachment,
    AcceptTransitGatewayPeeringAttachment,
    DeleteTransitGatewayPeeringAttachment,
}

/// What a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFamily {
    /// A VPC's CIDRs or existence.
    Vpc,
    /// Tags, of any resource (a VPC's among them, maybe).
    Tags,
    /// A peering attachment.
    Peering,
}

impl Call {
    /// Every call, in the order above.
    pub const ALL: [Call; 9] = [
        Call::CreateVpc,
        Call::DeleteVpc,
        Call::AssociateVpcCidrBlock,
        Call::DisassociateVpcCidrBlock,
        Call::CreateTags,
        Call::DeleteTags,
        Call::CreateTransitGatewayPeeringAttachment,
        Call::AcceptTransitGatewayPeeringAttachment,
        Call::DeleteTransitGatewayPeeringAttachment,
    ];

    /// The call CloudTrail names `name`, if the tool reacts to it.
    pub fn parse(name: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The EC2 API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Call::CreateVpc => "CreateVpc",
            Call::DeleteVpc => "DeleteVpc",
            Call::AssociateVpcCidrBlock => "AssociateVpcCidrBlock",
            Call::DisassociateVpcCidrBlock => "DisassociateVpcCidrBlock",
            Call::CreateTags => "CreateTags",
            Call::DeleteTags => "DeleteTags",
            Call::CreateTransitGatewayPeeringAttachment => "CreateTransitGatewayPeeringAttachment",
            Call::AcceptTransitGatewayPeeringAttachment => "AcceptTransitGatewayPeeringAttachment",
            Call::DeleteTransitGatewayPeeringAttachment => "DeleteTransitGatewayPeeringAttachment",
        }
    }

    /// What the call is about.
    pub fn family(self) -> CallFamily {
        match self {
            Call::CreateVpc
            | Call::DeleteVpc
            | Call::AssociateVpcCidrBlock
            | Call::DisassociateVpcCidrBlock => CallFamily::Vpc,
            Call::CreateTags | Call::DeleteTags => CallFamily::Tags,
            Call::CreateTransitGatewayPeeringAttachment
            | Call::AcceptTransitGatewayPeeringAttachment
            | Call::DeleteTransitGatewayPeeringAttachment => CallFamily::Peering,
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event says changed, as its audit line shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A CloudTrail call, with what it did when the record says more
    /// (`addToTransitGateway=true on 2 VPCs` for a `CreateTags`).
    Call { call: Call, detail: Option<String> },
    /// The watcher's `State Change` of a peering: its state before and
    /// now (`None`: not listed).
    Moved { from: Option<PeeringState>, to: Option<PeeringState> },
    /// Anything else, described (`Network Manager TGW-PEERING-DELETED`,
    /// `ready: …`).
    Described(String),
}

impl Change {
    /// The call, for a CloudTrail record.
    pub fn call(&self) -> Option<Call> {
        match self {
            Change::Call { call, .. } => Some(*call),
            Change::Moved { .. } | Change::Described(_) => None,
        }
    }

    /// A `State Change` between the states the watcher names `from` and
    /// `to` (`unlisted`: the side does not list the attachment).
    pub fn moved(from: &str, to: &str) -> Change {
        let state = |s: &str| (s != UNLISTED).then(|| PeeringState::parse(s));
        Change::Moved { from: state(from), to: state(to) }
    }
}

impl From<Call> for Change {
    fn from(call: Call) -> Self {
        Change::Call { call, detail: None }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Call { call, detail: None } => call.fmt(f),
            Change::Call { call, detail: Some(detail) } => write!(f, "{call} {detail}"),
            Change::Moved { from, to } => {
                write!(f, "{} -> {}", side(from.as_ref()), side(to.as_ref()))
            }
            Change::Described(text) => f.write_str(text),
        }
    }
}

/// A side's state as the watcher names it.
fn side(state: Option<&PeeringState>) -> &str {
    state.map_or(UNLISTED, PeeringState::as_str)
}

/// Serialized as its audit text.
impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_parses_back_from_its_name() {
        for call in Call::ALL {
            assert_eq!(Call::parse(call.as_str()), Some(call));
        }
        assert_eq!(Call::parse("CreateVpcEndpoint"), None);
    }

    #[test]
    fn a_change_reads_as_its_call_and_detail() {
        let tags = Change::Call { call: Call::CreateTags, detail: Some("k=true".into()) };
        assert_eq!(tags.to_string(), "CreateTags k=true");
        assert_eq!(Change::from(Call::DeleteVpc).to_string(), "DeleteVpc");
        assert_eq!(serde_json::to_value(&tags).unwrap(), "CreateTags k=true");
        let moved = Change::moved("unlisted", "pendingAcceptance");
        let to = Some(PeeringState::PendingAcceptance);
        assert_eq!(moved, Change::Moved { from: None, to });
        assert_eq!(moved.to_string(), "unlisted -> pendingAcceptance");
    }
}
