//! Two accounts, two Regions on the emulator: us-east-1 in the hub's account
//! (123456789012, moto's default for the static test credentials) and
//! eu-west-1 in account 111111111111, reached through
//! `ACCOUNT_ROLE_ARNS=eu-west-1=arn:aws:iam::111111111111:role/tgw-peering-spoke`.
//!
//! How the emulator tells the accounts apart: moto keeps one EC2 backend per
//! (account, Region) and picks the account from the request's access key id.
//! Its STS `AssumeRole` (which does not check trust policies or the external
//! id) answers temporary credentials whose `ASIA…` key id it maps to the
//! role's account, so the SDK's own assume-role flow (aws-config's
//! `AssumeRoleProvider`, as the tool uses it) lands in the spoke account; no
//! `x-moto-account-id` header is needed. The test builds the spoke's world
//! with the same provider.
//!
//! moto's cross-account peering (5.2.5, measured with boto3): the request
//! with `PeerAccountId` is copied to the accepter's (account, Region) backend
//! when that backend exists (it does once the spoke's gateway is made), so
//! the accepter lists the same attachment, `pendingAcceptance`; only the
//! accepter account may accept it (else `InvalidParameterValue`), and then
//! both sides read `available`.

use std::time::{Duration, Instant};

use serde_json::Value;
use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_core::handler::{HandleReport, Handler};
use tgw_peering_tests::{
    tag_event, Emulator, EventPlumbing, Flavour, RegionWorld, EMULATOR_ACCOUNT,
};

const HUB: &str = "us-east-1";
const SPOKE: &str = "eu-west-1";
const SPOKE_ACCOUNT: &str = "111111111111";
const SPOKE_ROLE: &str = "arn:aws:iam::111111111111:role/tgw-peering-spoke";
const EXTERNAL_ID: &str = "tgw-peering-test-7f3a";

/// The configuration of the two-account world, with `extra` variables.
fn config(extra: &[(&str, String)]) -> tgw_peering_core::Config {
    tgw_peering_core::Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some(format!("{HUB},{SPOKE}")),
        "ACCOUNT_ROLE_ARNS" => Some(format!("{SPOKE}={SPOKE_ROLE}")),
        "ROLE_EXTERNAL_ID" => Some(EXTERNAL_ID.to_owned()),
        _ => extra.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()),
    })
    .expect("a valid configuration")
}

/// The spoke Region's world, built with the spoke role's credentials.
async fn spoke_world(emulator: &Emulator) -> RegionWorld {
    let shared = emulator.sdk_config_as(SPOKE_ROLE, Some(EXTERNAL_ID), SPOKE).await;
    let ec2 = aws_sdk_ec2::Client::new(&shared);
    let tgw = ec2
        .create_transit_gateway()
        .description("test spoke")
        .send()
        .await
        .expect("CreateTransitGateway in the spoke account")
        .transit_gateway
        .expect("a transit gateway");
    assert_eq!(tgw.owner_id(), Some(SPOKE_ACCOUNT), "the role's account");
    RegionWorld {
        region: SPOKE.to_owned(),
        tgw: tgw.transit_gateway_id().expect("an id").to_owned(),
        route_table: tgw
            .options()
            .and_then(|o| o.association_default_route_table_id())
            .expect("a default route table")
            .to_owned(),
        ec2,
    }
}

struct World {
    // Dropped last: stops the emulator.
    emulator: Emulator,
    hub: RegionWorld,
    spoke: RegionWorld,
    hub_vpc: String,
    spoke_vpc: String,
}

async fn world(flavour: Flavour) -> World {
    let emulator = Emulator::start(flavour);
    let hub = RegionWorld::new(&emulator, HUB).await;
    let spoke = spoke_world(&emulator).await;
    let hub_vpc = hub.vpc("10.1.0.0/16", Some("true"), &[]).await;
    let spoke_vpc = spoke.vpc("10.2.0.0/16", Some("true"), &[]).await;
    World { emulator, hub, spoke, hub_vpc, spoke_vpc }
}

/// The one peering, seen from both accounts: (id, hub's state, spoke's state).
async fn the_peering(w: &World) -> (String, String, String) {
    let hub = w.hub.peerings().await;
    let spoke = w.spoke.peerings().await;
    assert_eq!(hub.len(), 1, "hub: {hub:?}");
    assert_eq!(spoke.len(), 1, "spoke: {spoke:?}");
    assert_eq!(hub[0].0, spoke[0].0, "the same attachment on both sides");
    (hub[0].0.clone(), hub[0].1.clone(), spoke[0].1.clone())
}

/// The peering request named the spoke account as the accepter's owner.
async fn assert_peer_account(w: &World) {
    let out = w
        .hub
        .ec2
        .describe_transit_gateway_peering_attachments()
        .send()
        .await
        .expect("DescribeTransitGatewayPeeringAttachments");
    let p = &out.transit_gateway_peering_attachments()[0];
    let accepter = p.accepter_tgw_info().expect("accepter info");
    assert_eq!(accepter.owner_id(), Some(SPOKE_ACCOUNT), "PeerAccountId");
    assert_eq!(accepter.transit_gateway_id(), Some(w.spoke.tgw.as_str()));
    let requester = p.requester_tgw_info().expect("requester info");
    assert_eq!(requester.owner_id(), Some(EMULATOR_ACCOUNT));
}

async fn assert_routed(w: &World, attachment: &str) {
    assert_eq!(
        w.hub.static_routes().await,
        [("10.2.0.0/16".to_owned(), Some(attachment.to_owned()))],
        "the hub account's table"
    );
    assert_eq!(
        w.spoke.static_routes().await,
        [("10.1.0.0/16".to_owned(), Some(attachment.to_owned()))],
        "the spoke account's table"
    );
}

#[tokio::test]
async fn apply_peers_gateways_of_two_accounts_and_routes_in_both() {
    let w = world(Flavour::Patched { phase_seconds: 0 }).await;
    let session = Session::new(config(&[]), &w.emulator.sdk_config().await);
    let options =
        ApplyOptions { timeout: Duration::from_secs(60), poll: Duration::from_millis(200) };
    let report = apply(&session, options, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {report:#?}");
    assert_peer_account(&w).await;
    let (attachment, hub_state, spoke_state) = the_peering(&w).await;
    assert_eq!((hub_state.as_str(), spoke_state.as_str()), ("available", "available"));
    assert_routed(&w, &attachment).await;
    // A second apply has nothing left to do.
    let again = apply(&session, options, |_| {}).await.expect("apply runs");
    assert!(again.converged);
    assert_eq!(session.plan().await.expect("a plan").actions.len(), 0);
}

async fn handle(handler: &Handler, payload: &Value) -> HandleReport {
    handler.handle(payload).await.unwrap_or_else(|e| panic!("handling failed: {e}\n{payload:#}"))
}

#[tokio::test]
async fn events_from_the_spoke_account_lead_to_an_accepted_peering_and_routes_in_both() {
    let w = world(Flavour::Patched { phase_seconds: 1 }).await;
    let plumbing = EventPlumbing::create(&w.emulator).await;
    let cfg = config(&[
        ("EVENT_BUS_NAME", plumbing.bus_name.clone()),
        ("RECHECK_QUEUE_URL", plumbing.recheck_queue_url.clone()),
    ]);
    let handler = tgw_peering_core::wiring::handler(cfg, &w.emulator.sdk_config().await);

    // An event stamped with the hub's account for the spoke's Region is not
    // the spoke's: dropped, nothing written.
    let forged = handle(&handler, &tag_event(SPOKE, EMULATOR_ACCOUNT, &w.spoke_vpc, true)).await;
    assert_eq!(
        forged.decisions(tgw_peering_core::handler::Decision::Dropped).count(),
        1,
        "{:?}",
        forged.audit
    );
    assert!(w.hub.peerings().await.is_empty());

    // The spoke account's tag event (as its forwarder delivers it).
    let first = handle(&handler, &tag_event(SPOKE, SPOKE_ACCOUNT, &w.spoke_vpc, true)).await;
    assert_eq!(
        first.decisions(tgw_peering_core::handler::Decision::Dropped).count(),
        0,
        "{:?}",
        first.audit
    );
    assert_eq!(first.rechecks.len(), 1, "{:?}", first.audit);

    // The watcher's re-checks and state changes (from the hub's account)
    // lead to the accept in the spoke account and to routes on both sides.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut accepts = Vec::new();
    loop {
        for d in plumbing.take().await {
            let report = handle(&handler, &d.payload).await;
            assert_eq!(
                report.decisions(tgw_peering_core::handler::Decision::Dropped).count(),
                0,
                "{:?}",
                report.audit
            );
            accepts.extend(
                report
                    .audit
                    .iter()
                    .filter(|a| {
                        a.decision == tgw_peering_core::handler::Decision::Action
                            && a.kind == "accept_peering"
                    })
                    .map(|a| (a.region.clone(), a.result.clone())),
            );
        }
        if w.hub.static_routes().await.len() == 1 && w.spoke.static_routes().await.len() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no convergence in 90 s: {:?} / {:?}",
            w.hub.peerings().await,
            w.spoke.peerings().await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_peer_account(&w).await;
    let (attachment, hub_state, spoke_state) = the_peering(&w).await;
    assert_eq!((hub_state.as_str(), spoke_state.as_str()), ("available", "available"));
    assert_eq!(accepts.len(), 1, "{accepts:?}");
    assert_eq!(accepts[0].0.as_ref().map(|r| r.as_str()), Some(SPOKE));
    assert_eq!(accepts[0].1.as_deref(), Some("done"));
    assert_routed(&w, &attachment).await;

    // The hub's own VPC tag event is handled too, and changes nothing now.
    let hub_event = handle(&handler, &tag_event(HUB, EMULATOR_ACCOUNT, &w.hub_vpc, true)).await;
    assert_eq!(hub_event.decisions(tgw_peering_core::handler::Decision::Dropped).count(), 0);
    assert_eq!(
        hub_event.decisions(tgw_peering_core::handler::Decision::Action).count(),
        0,
        "{:?}",
        hub_event.audit
    );
}
