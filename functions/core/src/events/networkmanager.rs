//! `aws.networkmanager` events: `Network Manager Topology Change` and
//! `Network Manager Routing Update`, an optional extra trigger.
//!
//! Network Manager sends them only for transit gateways registered in a
//! global network, always in us-west-2 (its home Region), with the
//! gateway's own Region in `detail.region` ("Monitor your global network
//! with Amazon EventBridge", Transit Gateway Network Manager guide,
//! <https://docs.aws.amazon.com/network-manager/latest/tgwnm/monitoring-events.html>).
//! The samples spell the detail's keys both in camelCase (`changeType`) and
//! in kebab-case (`change-type`); both are read.

use serde_json::Value;

use super::{input, Change, Incoming, Trigger};
use crate::domain::{AccountId, AttachmentId, Region};
use crate::error::Error;

/// The detail-types of the two kinds the tool reads.
pub const TOPOLOGY_CHANGE: &str = "Network Manager Topology Change";
pub const ROUTING_UPDATE: &str = "Network Manager Routing Update";

/// `changeType` → `change-type`.
fn kebab(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A string field of the detail, under its camelCase or kebab-case key.
fn field<'a>(detail: &'a Value, camel: &str) -> Option<&'a str> {
    detail.get(camel).or_else(|| detail.get(kebab(camel))).and_then(Value::as_str)
}

/// `arn:PARTITION:ec2:REGION:ACCOUNT:transit-gateway…/ID` → (account, ID).
fn ec2_arn(arn: &str) -> Option<(AccountId, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, _, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if service != "ec2" {
        return None;
    }
    Some((AccountId::parse(account).ok()?, resource.rsplit('/').next()?))
}

/// The trigger of a Network Manager event.
///
/// The Region is `detail.region`, never the envelope's us-west-2. The
/// account is the transit gateway's (from its ARN) when the event names
/// it, else the envelope's: the scope rules then apply as for any event.
/// A route installed is no reason to look (the tool's own writes and every
/// propagation announce themselves this way); a route uninstalled, a
/// peering or attachment change is.
///
/// # Errors
/// [`Error::Input`] when `detail.region` is missing or not a Region.
pub(super) fn trigger(
    incoming: &mut Incoming,
    detail_type: &str,
    detail: &Value,
) -> Result<Trigger, Error> {
    let id = &incoming.id;
    let region = field(detail, "region").ok_or_else(|| {
        input(format!("event {id}: a Network Manager event without detail.region"))
    })?;
    incoming.region =
        Some(Region::parse(region).map_err(|e| input(format!("event {id}: detail.region: {e}")))?);
    if let Some((account, _)) = field(detail, "transitGatewayArn").and_then(ec2_arn) {
        incoming.account = Some(account);
    }
    let change = field(detail, "changeType").unwrap_or("unknown change").to_owned();
    let uninstalled = change.ends_with("UNINSTALLED");
    if detail_type == ROUTING_UPDATE && change.ends_with("INSTALLED") && !uninstalled {
        return Ok(Trigger::Ignore {
            reason: format!("{change}: a route installed needs no reconcile"),
        });
    }
    let attachment_id = field(detail, "transitGatewayAttachmentArn")
        .and_then(ec2_arn)
        .and_then(|(_, id)| AttachmentId::parse(id).ok());
    let change = format!("Network Manager {change}");
    Ok(if change.contains("PEERING") {
        Trigger::Peering { attachment_id, change: Change::Described(change) }
    } else {
        Trigger::Network { change }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_key_styles_are_read() {
        assert_eq!(kebab("transitGatewayAttachmentArn"), "transit-gateway-attachment-arn");
        let kebab_detail = serde_json::json!({"change-type": "TGW-PEERING-DELETED"});
        assert_eq!(field(&kebab_detail, "changeType"), Some("TGW-PEERING-DELETED"));
    }

    #[test]
    fn gateway_and_attachment_arns_give_the_account_and_the_id() {
        let (a, id) =
            ec2_arn("arn:aws:ec2:eu-west-1:123456789012:transit-gateway-attachment/tgw-attach-01")
                .unwrap();
        assert_eq!((a.as_str(), id), ("123456789012", "tgw-attach-01"));
        assert!(ec2_arn("arn:aws:networkmanager::123456789012:global-network/gn-1").is_none());
    }
}
