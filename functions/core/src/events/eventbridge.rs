//! EventBridge events: `Tag Change on Resource`, the schedule, the tool's
//! own state changes, and (in `cloudtrail` and `networkmanager`)
//! CloudTrail records and Network Manager events.

use aws_lambda_events::event::cloudwatch_events::tag::TagChangeOnResource;
use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use serde_json::Value;

use super::outgoing::{
    GatewayReady, ReconcileContinued, VpcReady, GATEWAY_READY, RECONCILE_CONTINUED,
};
use super::{
    cloudtrail, input, networkmanager, Change, Incoming, StateChangeDetail, Trigger, SOURCE,
    STATE_CHANGE, VPC_READY,
};
use crate::domain::{AccountId, Region, TagRule, VpcId};
use crate::error::Error;

pub(super) fn parse(payload: &Value, tag_key: &str) -> Result<Incoming, Error> {
    let event: CloudWatchEvent<Value> = serde_json::from_value(payload.clone())
        .map_err(|e| input(format!("invalid EventBridge envelope: {e}")))?;
    let id =
        event.id.clone().filter(|s| !s.is_empty()).ok_or_else(|| input("the event has no id"))?;
    let source = event.source.clone().unwrap_or_default();
    let detail_type = event.detail_type.clone().unwrap_or_default();
    let account = match event.account_id.as_deref() {
        Some(a) => Some(AccountId::parse(a).map_err(|e| input(format!("event {id}: {e}")))?),
        None => None,
    };
    let region = match event.region.as_deref() {
        Some(r) => Some(Region::parse(r).map_err(|e| input(format!("event {id}: {e}")))?),
        None => None,
    };
    let detail = event.detail.clone().unwrap_or(Value::Null);
    // EventBridge sets `account` on every event AWS sends: without it, the
    // event cannot be scoped. The tool's own events may come without it (a
    // bus delivers them as they were put).
    if account.is_none() && source != SOURCE {
        return Err(input(format!("event {id}: no account")));
    }
    let mut incoming = Incoming {
        id: id.clone(),
        account,
        region,
        peer_region: None,
        message: None,
        from_tool: source == SOURCE,
        caller: None,
        trigger: Trigger::Scheduled,
    };
    incoming.trigger = match (source.as_str(), detail_type.as_str()) {
        ("aws.tag", "Tag Change on Resource") => {
            tag_change(&mut incoming, &event.resources, detail, tag_key)?
        }
        ("aws.ec2", "AWS API Call via CloudTrail") => {
            cloudtrail::trigger(&mut incoming, detail, tag_key)?
        }
        (
            "aws.networkmanager",
            networkmanager::TOPOLOGY_CHANGE | networkmanager::ROUTING_UPDATE,
        ) => networkmanager::trigger(&mut incoming, &detail_type, &detail)?,
        ("aws.events", "Scheduled Event") => {
            // The schedule fires in the hub's Region, which need not be managed.
            incoming.region = None;
            Trigger::Scheduled
        }
        (SOURCE, STATE_CHANGE | VPC_READY | GATEWAY_READY | RECONCILE_CONTINUED) => {
            tool_event(&mut incoming, &detail_type, detail)?
        }
        _ => {
            return Err(input(format!(
                "event {id}: unsupported source {source:?} with detail-type {detail_type:?}"
            )))
        }
    };
    Ok(incoming)
}

/// The tool's own events that bring a reconcile: a peering's state change,
/// a ready VPC and a ready gateway. They are published in the hub's Region;
/// the Regions they name decide the scope.
fn tool_event(incoming: &mut Incoming, detail_type: &str, detail: Value) -> Result<Trigger, Error> {
    let id = &incoming.id;
    if detail_type == RECONCILE_CONTINUED {
        let d: ReconcileContinued = serde_json::from_value(detail)
            .map_err(|e| input(format!("event {id}: invalid Reconcile Continued detail: {e}")))?;
        incoming.region = None;
        let change =
            format!("{} write(s) handed on by event {}'s reconcile", d.handed_on, d.event_id);
        return Ok(Trigger::Continued { change });
    }
    if detail_type == GATEWAY_READY {
        let d: GatewayReady = serde_json::from_value(detail)
            .map_err(|e| input(format!("event {id}: invalid Transit Gateway Ready detail: {e}")))?;
        incoming.region = Some(d.region.clone());
        return Ok(Trigger::GatewayReady { change: format!("ready: {}", d.reason) });
    }
    if detail_type == VPC_READY {
        let d: VpcReady = serde_json::from_value(detail)
            .map_err(|e| input(format!("event {id}: invalid VPC Ready detail: {e}")))?;
        incoming.region = Some(d.region.clone());
        let change = Change::Described(format!("ready: {}", d.reason));
        return Ok(Trigger::Vpc { vpc_id: Some(d.vpc_id), change, tagged: d.tagged });
    }
    let d: StateChangeDetail = serde_json::from_value(detail)
        .map_err(|e| input(format!("event {id}: invalid state-change detail: {e}")))?;
    incoming.region = Some(d.sides.requester_region.clone());
    incoming.peer_region = Some(d.sides.accepter_region.clone());
    Ok(Trigger::Peering {
        change: Change::moved(&d.previous_state, &d.state),
        attachment_id: Some(d.attachment_id),
    })
}

/// `arn:PARTITION:ec2:REGION:ACCOUNT:vpc/vpc-…` → (Region, account, VPC).
fn vpc_arn(arn: &str) -> Option<(Region, AccountId, VpcId)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, _partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if prefix != "arn" || service != "ec2" {
        return None;
    }
    let vpc = resource.strip_prefix("vpc/")?;
    Some((Region::parse(region).ok()?, AccountId::parse(account).ok()?, VpcId::parse(vpc).ok()?))
}

fn tag_change(
    incoming: &mut Incoming,
    resources: &[String],
    detail: Value,
    tag_key: &str,
) -> Result<Trigger, Error> {
    let id = &incoming.id;
    let d: TagChangeOnResource = serde_json::from_value(detail)
        .map_err(|e| input(format!("event {id}: invalid Tag Change on Resource detail: {e}")))?;
    if d.service != "ec2" || d.resource_type != "vpc" {
        return Err(input(format!(
            "event {id}: a tag change on {} {}, not on an ec2 vpc",
            d.service, d.resource_type
        )));
    }
    let [arn] = resources else {
        return Err(input(format!(
            "event {id}: expected one VPC ARN in resources, found {}",
            resources.len()
        )));
    };
    let (region, account, vpc) =
        vpc_arn(arn).ok_or_else(|| input(format!("event {id}: {arn:?} is not a VPC ARN")))?;
    // The ARN names the VPC's own Region and account: they decide the scope.
    incoming.region = Some(region);
    incoming.account = Some(account);
    if !d.changed_tag_keys.iter().any(|k| k == tag_key) {
        return Ok(Trigger::Ignore {
            reason: format!("the tag change on {vpc} does not concern {tag_key}"),
        });
    }
    let change = match d.tags.get(tag_key) {
        Some(v) => format!("{tag_key}={v}"),
        None => format!("{tag_key} removed"),
    };
    // The full tag set after the change, under the one tag rule.
    let tagged = TagRule::new(tag_key).tagged_by(&d.tags);
    let change = Change::Described(change);
    Ok(Trigger::Vpc { vpc_id: Some(vpc), change, tagged: Some(tagged) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpc_arns_are_split_and_other_arns_refused() {
        let (r, a, v) = vpc_arn("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc").unwrap();
        assert_eq!((r.as_str(), a.as_str(), v.as_str()), ("eu-west-1", "123456789012", "vpc-0abc"));
        assert!(vpc_arn("arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc").is_none());
        assert!(vpc_arn("arn:aws:s3:::bucket").is_none());
        assert!(vpc_arn("vpc-0abc").is_none());
    }
}
