//! The test harness: an EC2 emulator (moto, patched by `tests/emulator/server.py`)
//! on 127.0.0.1, one server per test for isolation, and a builder for worlds
//! of transit gateways and VPCs in several Regions.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region as SdkRegion, SdkConfig};
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types::{
    CreateTransitGatewayVpcAttachmentRequestOptions, Filter, Ipv6SupportValue, ResourceType, Tag,
    TagSpecification,
};
use aws_sdk_ec2::Client;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Which emulator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// moto as published.
    Plain,
    /// moto with the patches of `tests/emulator/server.py`; peering phases
    /// take `phase_seconds` each.
    Patched { phase_seconds: u32 },
}

/// A VPC's attachment to its Region's transit gateway, and the subnet it
/// uses.
pub struct Attached {
    pub attachment: String,
    pub subnet: String,
}

/// A running emulator, stopped when dropped.
pub struct Emulator {
    child: Child,
    pub endpoint: String,
}

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1 and waits until it answers.
    ///
    /// The Python interpreter is `.venv/bin/python` of the repository (made by
    /// `make venv`), or `TGW_EMULATOR_PYTHON`.
    pub fn start(flavour: Flavour) -> Emulator {
        Emulator::start_with(flavour, &[])
    }

    /// Starts an emulator with more of `server.py`'s settings, e.g.
    /// `("TGW_EMULATOR_DUPLICATE_PEERING_CODE", "none")`.
    pub fn start_with(flavour: Flavour, settings: &[(&'static str, &str)]) -> Emulator {
        let mut env = vec![match flavour {
            Flavour::Plain => ("TGW_EMULATOR_PLAIN", "1".to_owned()),
            Flavour::Patched { phase_seconds } => {
                ("TGW_EMULATOR_PHASE_SECONDS", phase_seconds.to_string())
            }
        }];
        env.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let (child, endpoint) = spawn_python(
            "server.py",
            |port| vec!["-H".into(), "127.0.0.1".into(), "-p".into(), port.to_string()],
            &env,
        );
        Emulator { child, endpoint }
    }

    /// The shared SDK configuration of the tool (its retry and timeouts),
    /// pointed at this emulator with static test credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_at(&self.endpoint).await
    }

    /// The SDK configuration of `region` acting as IAM role `role` (with
    /// `external_id`, if any), assumed from [`Emulator::sdk_config`] with
    /// aws-config's assume-role provider: moto maps the temporary key to
    /// the role's account.
    pub async fn sdk_config_as(
        &self,
        role: &str,
        external_id: Option<&str>,
        region: &str,
    ) -> SdkConfig {
        let hub = self.sdk_config().await;
        let mut provider =
            aws_config::sts::AssumeRoleProvider::builder(role).session_name("tgw-peering-tests");
        if let Some(id) = external_id {
            provider = provider.external_id(id);
        }
        let role = provider.configure(&hub).build().await;
        hub.into_builder()
            .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(role))
            .region(SdkRegion::new(region.to_owned()))
            .build()
    }

    /// A plain EC2 client of `region`, for building worlds and checking results.
    pub async fn ec2(&self, region: &str) -> Client {
        let shared = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .region(SdkRegion::new(region.to_owned()))
            .load()
            .await;
        Client::new(&shared)
    }
}

/// The tool's SDK configuration (its retry and timeouts) pointed at
/// `endpoint` with static test credentials.
pub async fn sdk_config_at(endpoint: &str) -> SdkConfig {
    tgw_peering_core::aws::sdk_config_loader()
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .region(SdkRegion::new("us-east-1"))
        .load()
        .await
}

/// Starts `tests/emulator/<script>` with the arguments `args(port)` on a free
/// port of 127.0.0.1 and waits until it answers. The Python interpreter is
/// `.venv/bin/python` of the repository (made by `make venv`), or
/// `TGW_EMULATOR_PYTHON`.
fn spawn_python(
    script: &str,
    args: impl FnOnce(u16) -> Vec<String>,
    env: &[(&str, String)],
) -> (Child, String) {
    let python = std::env::var("TGW_EMULATOR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".venv/bin/python"));
    assert!(
        python.exists(),
        "{} not found: run `make venv` first (it installs the pinned moto)",
        python.display()
    );
    let port =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let mut child = Command::new(python)
        .arg(workspace_root().join("tests/emulator").join(script))
        .args(args(port))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the emulator starts");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{script} did not start on {addr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, format!("http://{addr}"))
}

/// The fault-injecting proxy of `tests/emulator/fault_proxy.py` in front of
/// an emulator: a share of EC2 calls is throttled (HTTP 503
/// `RequestLimitExceeded`, not forwarded) and a share fails with HTTP 500
/// after taking effect (the answer is lost). Stopped when dropped.
pub struct FaultProxy {
    child: Child,
    pub endpoint: String,
}

/// What the proxy did, from its `/__faults` counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// EC2 calls that reached the proxy (every attempt, retries included).
    pub calls: u64,
    pub throttled: u64,
    pub errors: u64,
}

/// What the proxy injects into EC2 calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Share of calls answered 503 `RequestLimitExceeded`, not forwarded.
    pub throttle: f64,
    /// Share of calls forwarded, then answered 500 `InternalError`.
    pub error: f64,
    pub seed: u64,
    /// Wait before forwarding each call, standing in for AWS's latency.
    pub delay_ms: u64,
    /// EC2's token bucket per action and Region: (tokens, refilled per
    /// second); `None`: no rate limit.
    pub bucket: Option<(u32, u32)>,
}

impl FaultProxy {
    pub fn start(emulator: &Emulator, faults: Faults) -> FaultProxy {
        let upstream = emulator.endpoint.clone();
        let (child, endpoint) = spawn_python(
            "fault_proxy.py",
            |port| {
                [
                    ("--port", port.to_string()),
                    ("--upstream", upstream),
                    ("--throttle", faults.throttle.to_string()),
                    ("--error", faults.error.to_string()),
                    ("--seed", faults.seed.to_string()),
                    ("--delay-ms", faults.delay_ms.to_string()),
                    ("--bucket-capacity", faults.bucket.map_or(0, |b| b.0).to_string()),
                    ("--bucket-refill", faults.bucket.map_or(0, |b| b.1).to_string()),
                ]
                .into_iter()
                .flat_map(|(k, v)| [k.to_owned(), v])
                .collect()
            },
            &[],
        );
        FaultProxy { child, endpoint }
    }

    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_at(&self.endpoint).await
    }

    /// The counts so far.
    pub fn counts(&self) -> FaultCounts {
        use std::io::{Read, Write};
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("the proxy answers");
        stream
            .write_all(b"GET /__faults HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n")
            .expect("a request");
        let mut text = String::new();
        stream.read_to_string(&mut text).expect("an answer");
        let body = text.split("\r\n\r\n").nth(1).expect("a body");
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON counts");
        let n = |k: &str| v[k].as_u64().expect("a count");
        FaultCounts { calls: n("calls"), throttled: n("throttled"), errors: n("errors") }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A route of a transit gateway route table, as the search returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRoute {
    pub cidr: String,
    pub is_static: bool,
    /// Set for an entry of a referenced prefix list.
    pub prefix_list: Option<String>,
    pub attachment: Option<String>,
}

/// A prefix list as read back from EC2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub max_entries: i32,
    pub tags: BTreeMap<String, String>,
    /// CIDR -> description.
    pub entries: BTreeMap<String, Option<String>>,
}

impl ListState {
    /// The value of tag `key`, if set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }

    /// The entries' CIDRs.
    pub fn cidrs(&self) -> BTreeSet<String> {
        self.entries.keys().cloned().collect()
    }
}

/// One Region of a test world.
pub struct RegionWorld {
    pub region: String,
    pub ec2: Client,
    pub tgw: String,
    pub route_table: String,
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

impl RegionWorld {
    /// Creates the Region's transit gateway (moto makes it available at once).
    pub async fn new(emulator: &Emulator, region: &str) -> RegionWorld {
        RegionWorld::create(emulator, region, false).await
    }

    /// Like [`RegionWorld::new`], for a gateway shared with workload
    /// accounts that accepts their VPC attachments by itself
    /// (`AutoAcceptSharedAttachments=enable`; see [`RegionWorld::as_account`]).
    pub async fn shared(emulator: &Emulator, region: &str) -> RegionWorld {
        RegionWorld::create(emulator, region, true).await
    }

    async fn create(emulator: &Emulator, region: &str, auto_accept: bool) -> RegionWorld {
        use aws_sdk_ec2::types::{AutoAcceptSharedAttachmentsValue, TransitGatewayRequestOptions};
        let ec2 = emulator.ec2(region).await;
        let options = auto_accept.then(|| {
            TransitGatewayRequestOptions::builder()
                .auto_accept_shared_attachments(AutoAcceptSharedAttachmentsValue::Enable)
                .build()
        });
        let tgw = ec2
            .create_transit_gateway()
            .description(format!("test {region}"))
            .set_options(options)
            .send()
            .await
            .expect("CreateTransitGateway")
            .transit_gateway
            .expect("a transit gateway");
        let route_table = tgw
            .options()
            .and_then(|o| o.association_default_route_table_id())
            .expect("a default route table")
            .to_owned();
        RegionWorld {
            region: region.to_owned(),
            tgw: tgw.transit_gateway_id().expect("an id").to_owned(),
            route_table,
            ec2,
        }
    }

    /// The same Region and shared transit gateway, seen from workload
    /// account `account` (12 digits): its EC2 client acts in that account
    /// (moto maps an assumed role's keys to the role's account; the role
    /// `emulator-admin` exists in no IAM, so the emulator lets it be
    /// assumed). VPCs it makes are that account's, and [`RegionWorld::vpc`]
    /// attaches them to this world's gateway, which the emulator must share
    /// with the account (`TGW_EMULATOR_RAM_SHARED_WITH`).
    pub async fn as_account(&self, emulator: &Emulator, account: &str) -> RegionWorld {
        let role = format!("arn:aws:iam::{account}:role/emulator-admin");
        let shared = emulator.sdk_config_as(&role, None, &self.region).await;
        RegionWorld {
            region: self.region.clone(),
            ec2: Client::new(&shared),
            tgw: self.tgw.clone(),
            route_table: self.route_table.clone(),
        }
    }

    /// Creates a VPC with `cidr`, tagged `addToTransitGateway=<tag>` if given,
    /// with `secondary` CIDRs associated after it, and attaches it to the
    /// Region's transit gateway (a subnet of its primary CIDR). Returns its id.
    pub async fn vpc(&self, cidr: &str, tag_value: Option<&str>, secondary: &[&str]) -> String {
        let id = self.create_vpc(cidr, tag_value, secondary, false).await;
        self.attach(&id, cidr).await;
        id
    }

    /// Like [`RegionWorld::vpc`], with an Amazon-provided IPv6 /56 as well,
    /// attached with `Ipv6Support` enabled (its IPv6 block propagates).
    pub async fn vpc_with_ipv6(&self, cidr: &str, tag_value: Option<&str>) -> String {
        let id = self.create_vpc(cidr, tag_value, &[], true).await;
        self.attach_with(&id, cidr, true).await;
        id
    }

    /// Like [`RegionWorld::vpc_with_ipv6`], attached with `Ipv6Support`
    /// disabled (AWS's default): its IPv6 block does not propagate.
    pub async fn vpc_with_ipv6_without_support(
        &self,
        cidr: &str,
        tag_value: Option<&str>,
    ) -> String {
        let id = self.create_vpc(cidr, tag_value, &[], true).await;
        self.attach(&id, cidr).await;
        id
    }

    /// Like [`RegionWorld::vpc`], without an attachment to the gateway.
    pub async fn vpc_unattached(&self, cidr: &str, tag_value: Option<&str>) -> String {
        self.create_vpc(cidr, tag_value, &[], false).await
    }

    /// Attaches a VPC to the Region's transit gateway, with a subnet of
    /// `cidr` (its primary block): its last /28, out of the way of other
    /// subnets a test makes.
    pub async fn attach(&self, vpc: &str, cidr: &str) -> Attached {
        self.attach_with(vpc, cidr, false).await
    }

    /// [`RegionWorld::attach`], with `Ipv6Support` enabled or not.
    pub async fn attach_with(&self, vpc: &str, cidr: &str, ipv6_support: bool) -> Attached {
        let block: ipnet::IpNet = cidr.parse().expect("a CIDR");
        let subnet = block
            .subnets(28.max(block.prefix_len()))
            .expect("a /28 fits")
            .last()
            .expect("a subnet");
        let subnet = self
            .ec2
            .create_subnet()
            .vpc_id(vpc)
            .cidr_block(subnet.to_string())
            .send()
            .await
            .expect("CreateSubnet")
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("a subnet");
        let attachment = self
            .ec2
            .create_transit_gateway_vpc_attachment()
            .transit_gateway_id(&self.tgw)
            .vpc_id(vpc)
            .subnet_ids(&subnet)
            .options(
                CreateTransitGatewayVpcAttachmentRequestOptions::builder()
                    .ipv6_support(if ipv6_support {
                        Ipv6SupportValue::Enable
                    } else {
                        Ipv6SupportValue::Disable
                    })
                    .build(),
            )
            .send()
            .await
            .expect("CreateTransitGatewayVpcAttachment")
            .transit_gateway_vpc_attachment
            .and_then(|a| a.transit_gateway_attachment_id)
            .expect("an attachment");
        Attached { attachment, subnet }
    }

    /// Deletes every attachment of a VPC to a transit gateway
    /// (`DeleteTransitGatewayVpcAttachment`); the VPC stays. Static routes
    /// toward the attachments stay, as blackholes.
    pub async fn detach(&self, vpc: &str) {
        let attachments = self
            .ec2
            .describe_transit_gateway_vpc_attachments()
            .filters(Filter::builder().name("vpc-id").values(vpc).build())
            .send()
            .await
            .expect("DescribeTransitGatewayVpcAttachments");
        for a in attachments.transit_gateway_vpc_attachments() {
            let id = a.transit_gateway_attachment_id().unwrap_or_default();
            self.ec2
                .delete_transit_gateway_vpc_attachment()
                .transit_gateway_attachment_id(id)
                .send()
                .await
                .expect("DeleteTransitGatewayVpcAttachment");
        }
    }

    /// Deletes a VPC: its attachments to the gateway, its subnets, then the
    /// VPC itself (routes toward the attachments stay, as blackholes).
    pub async fn delete_vpc(&self, vpc: &str) {
        let vpc_filter = |name: &str| Filter::builder().name(name).values(vpc).build();
        self.detach(vpc).await;
        let subnets = self
            .ec2
            .describe_subnets()
            .filters(vpc_filter("vpc-id"))
            .send()
            .await
            .expect("DescribeSubnets");
        for s in subnets.subnets() {
            self.ec2
                .delete_subnet()
                .subnet_id(s.subnet_id().unwrap_or_default())
                .send()
                .await
                .expect("DeleteSubnet");
        }
        self.ec2.delete_vpc().vpc_id(vpc).send().await.expect("DeleteVpc");
    }

    async fn create_vpc(
        &self,
        cidr: &str,
        tag_value: Option<&str>,
        secondary: &[&str],
        ipv6: bool,
    ) -> String {
        let mut req = self.ec2.create_vpc().cidr_block(cidr);
        if let Some(v) = tag_value {
            req = req.tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Vpc)
                    .tags(tag("addToTransitGateway", v))
                    .build(),
            );
        }
        let vpc = req.send().await.expect("CreateVpc").vpc.expect("a VPC");
        let id = vpc.vpc_id().expect("an id").to_owned();
        if ipv6 {
            self.ec2
                .associate_vpc_cidr_block()
                .vpc_id(&id)
                .amazon_provided_ipv6_cidr_block(true)
                .send()
                .await
                .expect("AssociateVpcCidrBlock (IPv6)");
        }
        for c in secondary {
            self.ec2
                .associate_vpc_cidr_block()
                .vpc_id(&id)
                .cidr_block(*c)
                .send()
                .await
                .expect("AssociateVpcCidrBlock");
        }
        id
    }

    pub async fn tag(&self, vpc: &str, value: &str) {
        self.ec2
            .create_tags()
            .resources(vpc)
            .tags(tag("addToTransitGateway", value))
            .send()
            .await
            .expect("CreateTags");
    }

    pub async fn untag(&self, vpc: &str) {
        self.ec2
            .delete_tags()
            .resources(vpc)
            .tags(Tag::builder().key("addToTransitGateway").build())
            .send()
            .await
            .expect("DeleteTags");
    }

    /// The static routes of the Region's route table, every page: (CIDR,
    /// attachment if reported).
    pub async fn static_routes(&self) -> Vec<(String, Option<String>)> {
        self.static_routes_with_state().await.into_iter().map(|(c, a, _)| (c, a)).collect()
    }

    /// The routes of the Region's route table with filter `name` = `value`,
    /// every page.
    async fn search_routes(
        &self,
        name: &str,
        value: &str,
    ) -> Vec<aws_sdk_ec2::types::TransitGatewayRoute> {
        self.ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(&self.route_table)
            .filters(Filter::builder().name(name).values(value).build())
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("SearchTransitGatewayRoutes")
    }

    /// The static routes of the Region's route table, every page: (CIDR,
    /// attachment if reported, state).
    pub async fn static_routes_with_state(&self) -> Vec<(String, Option<String>, String)> {
        let all = self.search_routes("type", "static").await;
        let mut routes: Vec<(String, Option<String>, String)> = all
            .iter()
            .filter_map(|r| {
                Some((
                    r.destination_cidr_block()?.to_owned(),
                    r.transit_gateway_attachments()
                        .first()
                        .and_then(|a| a.transit_gateway_attachment_id())
                        .map(str::to_owned),
                    r.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                ))
            })
            .collect();
        routes.sort();
        routes
    }

    /// Every route of the Region's route table that is in force (`active`),
    /// static and propagated, every page.
    pub async fn active_routes(&self) -> Vec<TableRoute> {
        let all = self.search_routes("state", "active").await;
        all.iter()
            .filter_map(|r| {
                Some(TableRoute {
                    cidr: r.destination_cidr_block()?.to_owned(),
                    is_static: r.r#type().is_some_and(|t| t.as_str() == "static"),
                    prefix_list: r.prefix_list_id().map(str::to_owned),
                    attachment: r
                        .transit_gateway_attachments()
                        .first()
                        .and_then(|a| a.transit_gateway_attachment_id())
                        .map(str::to_owned),
                })
            })
            .collect()
    }

    /// The prefix-list references of the Region's route table: (list, attachment).
    pub async fn references(&self) -> Vec<(String, Option<String>)> {
        let out = self
            .ec2
            .get_transit_gateway_prefix_list_references()
            .transit_gateway_route_table_id(&self.route_table)
            .send()
            .await
            .expect("GetTransitGatewayPrefixListReferences");
        out.transit_gateway_prefix_list_references()
            .iter()
            .map(|r| {
                (
                    r.prefix_list_id().unwrap_or_default().to_owned(),
                    r.transit_gateway_attachment()
                        .and_then(|a| a.transit_gateway_attachment_id())
                        .map(str::to_owned),
                )
            })
            .collect()
    }

    /// Tags the Region's transit gateway (e.g. `tgw-peering:deployment`).
    pub async fn tag_gateway(&self, key: &str, value: &str) {
        self.ec2
            .create_tags()
            .resources(&self.tgw)
            .tags(tag(key, value))
            .send()
            .await
            .expect("CreateTags (transit gateway)");
    }

    /// The state of the Region's transit gateway (`available`, `modifying`…).
    pub async fn gateway_state(&self) -> String {
        let out = self
            .ec2
            .describe_transit_gateways()
            .transit_gateway_ids(&self.tgw)
            .send()
            .await
            .expect("DescribeTransitGateways");
        let gateway = out.transit_gateways().first().expect("the gateway");
        gateway.state().map(|s| s.as_str().to_owned()).unwrap_or_default()
    }

    /// `ModifyTransitGateway` of the Region's gateway (a new description):
    /// the emulator keeps it `modifying` for `TGW_EMULATOR_MODIFY_SECONDS`.
    pub async fn modify_gateway(&self) {
        self.ec2
            .modify_transit_gateway()
            .transit_gateway_id(&self.tgw)
            .description(format!("modified {}", unique()))
            .send()
            .await
            .expect("ModifyTransitGateway");
    }

    /// A peering made by hand (not tagged by the tool) from this world's
    /// gateway to `peer`'s (requested here, accepted there), associated
    /// with no route table; waits until it is `available` on both sides.
    /// Returns its attachment id.
    pub async fn peer_by_hand(&self, peer: &RegionWorld) -> String {
        let id = self
            .ec2
            .create_transit_gateway_peering_attachment()
            .transit_gateway_id(&self.tgw)
            .peer_transit_gateway_id(&peer.tgw)
            .peer_account_id(EMULATOR_ACCOUNT)
            .peer_region(&peer.region)
            .send()
            .await
            .expect("CreateTransitGatewayPeeringAttachment")
            .transit_gateway_peering_attachment
            .and_then(|a| a.transit_gateway_attachment_id)
            .expect("a peering attachment");
        let state_in = |w: &RegionWorld| {
            let id = id.clone();
            let ec2 = w.ec2.clone();
            async move {
                ec2.describe_transit_gateway_peering_attachments()
                    .transit_gateway_attachment_ids(&id)
                    .send()
                    .await
                    .expect("DescribeTransitGatewayPeeringAttachments")
                    .transit_gateway_peering_attachments()
                    .first()
                    .and_then(|p| p.state())
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default()
            }
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while state_in(peer).await != "pendingAcceptance" {
            assert!(Instant::now() < deadline, "{id} never reached pendingAcceptance");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peer.ec2
            .accept_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(&id)
            .send()
            .await
            .expect("AcceptTransitGatewayPeeringAttachment");
        while state_in(self).await != "available" || state_in(peer).await != "available" {
            assert!(Instant::now() < deadline, "{id} never became available");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        id
    }

    /// A new route table of the Region's gateway, tagged `key` = `value`
    /// (a segment's table, or the peering table).
    pub async fn tagged_table(&self, key: &str, value: &str) -> String {
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::TransitGatewayRouteTable)
            .tags(tag(key, value))
            .build();
        self.ec2
            .create_transit_gateway_route_table()
            .transit_gateway_id(&self.tgw)
            .tag_specifications(spec)
            .send()
            .await
            .expect("CreateTransitGatewayRouteTable")
            .transit_gateway_route_table
            .and_then(|t| t.transit_gateway_route_table_id)
            .expect("a table")
    }

    /// Associates an attachment with the Region's route table.
    pub async fn associate(&self, attachment: &str) {
        self.ec2
            .associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(&self.route_table)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .expect("AssociateTransitGatewayRouteTable");
    }

    /// `CreateTransitGatewayRoute` of `cidr` in the Region's route table,
    /// toward `attachment`.
    pub async fn route(&self, cidr: &str, attachment: &str) {
        self.ec2
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(&self.route_table)
            .destination_cidr_block(cidr)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .expect("CreateTransitGatewayRoute");
    }

    /// `ReplaceTransitGatewayRoute` of `cidr` in the Region's route table:
    /// toward `attachment`, or a blackhole (`None`).
    pub async fn replace_route(&self, cidr: &str, attachment: Option<&str>) {
        self.ec2
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(&self.route_table)
            .destination_cidr_block(cidr)
            .set_transit_gateway_attachment_id(attachment.map(str::to_owned))
            .set_blackhole(attachment.is_none().then_some(true))
            .send()
            .await
            .expect("ReplaceTransitGatewayRoute");
    }

    /// `CreateTransitGatewayRoute --blackhole` of `cidr` in the Region's
    /// route table.
    pub async fn blackhole_route(&self, cidr: &str) {
        self.ec2
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(&self.route_table)
            .destination_cidr_block(cidr)
            .blackhole(true)
            .send()
            .await
            .expect("CreateTransitGatewayRoute (blackhole)");
    }

    /// `ModifyTransitGatewayPrefixListReference`: points the reference of
    /// `prefix_list` in the Region's route table at `attachment`, or makes
    /// it a blackhole (`None`).
    pub async fn point_reference(&self, prefix_list: &str, attachment: Option<&str>) {
        self.ec2
            .modify_transit_gateway_prefix_list_reference()
            .transit_gateway_route_table_id(&self.route_table)
            .prefix_list_id(prefix_list)
            .set_transit_gateway_attachment_id(attachment.map(str::to_owned))
            .set_blackhole(attachment.is_none().then_some(true))
            .send()
            .await
            .expect("ModifyTransitGatewayPrefixListReference");
    }

    /// The tool's ledger lists in the Region's account (every prefix list
    /// tagged `tgw-peering:managed=true`, of any deployment), by id, each
    /// with its entries.
    pub async fn ledger_lists(&self) -> Vec<ListState> {
        let lists: Vec<aws_sdk_ec2::types::ManagedPrefixList> = self
            .ec2
            .describe_managed_prefix_lists()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("DescribeManagedPrefixLists");
        let mut out = Vec::new();
        for l in lists {
            let tags: BTreeMap<String, String> = l
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect();
            if tags.get("tgw-peering:managed").map(String::as_str) != Some("true") {
                continue;
            }
            let id = l.prefix_list_id().expect("a prefix list id").to_owned();
            let entries = self
                .ec2
                .get_managed_prefix_list_entries()
                .prefix_list_id(&id)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .expect("GetManagedPrefixListEntries")
                .into_iter()
                .filter_map(|e| Some((e.cidr()?.to_owned(), e.description().map(str::to_owned))))
                .collect::<BTreeMap<_, _>>();
            out.push(ListState {
                id,
                name: l.prefix_list_name().unwrap_or_default().to_owned(),
                version: l.version().unwrap_or_default(),
                max_entries: l.max_entries().unwrap_or_default(),
                tags,
                entries,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The Region's peering attachments: (id, state).
    pub async fn peerings(&self) -> Vec<(String, String)> {
        let out = self
            .ec2
            .describe_transit_gateway_peering_attachments()
            .send()
            .await
            .expect("DescribeTransitGatewayPeeringAttachments");
        out.transit_gateway_peering_attachments()
            .iter()
            .map(|p| {
                (
                    p.transit_gateway_attachment_id().unwrap_or_default().to_owned(),
                    p.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// The configuration of a test world: these Regions, everything else default.
pub fn config(regions: &[&str]) -> tgw_peering_core::Config {
    config_with(regions, &[])
}

/// The configuration of a test world: these Regions, the environment
/// variables `vars` (e.g. `("ROUTE_MODE", "prefix-list")`), everything
/// else default.
pub fn config_with(regions: &[&str], vars: &[(&str, &str)]) -> tgw_peering_core::Config {
    let list = regions.join(",");
    tgw_peering_core::Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some(list.clone()),
        _ => vars.iter().find(|(name, _)| *name == k).map(|(_, v)| (*v).to_owned()),
    })
    .expect("a valid configuration")
}

/// The account moto answers for (STS `GetCallerIdentity`).
pub const EMULATOR_ACCOUNT: &str = "123456789012";

/// A `Tag Change on Resource` event, shaped like the fixture
/// `tests/fixtures/tag-change-added.json` (or `-removed` when `tagged` is
/// false), for `vpc` in `region` of `account`.
pub fn tag_event(region: &str, account: &str, vpc: &str, tagged: bool) -> serde_json::Value {
    let name = if tagged { "tag-change-added.json" } else { "tag-change-removed.json" };
    let path = workspace_root().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).expect("the fixture exists");
    let mut event: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
    event["id"] = serde_json::json!(format!("test-{vpc}-{tagged}-{}", unique()));
    event["account"] = serde_json::json!(account);
    event["region"] = serde_json::json!(region);
    event["resources"] = serde_json::json!([format!("arn:aws:ec2:{region}:{account}:vpc/{vpc}")]);
    event
}

/// A CloudTrail `DeleteVpc` record as EventBridge delivers it, shaped like
/// the fixture `tests/fixtures/cloudtrail-delete-vpc.json`, for `vpc` in
/// `region` of `account`.
pub fn delete_vpc_event(region: &str, account: &str, vpc: &str) -> serde_json::Value {
    let path = workspace_root().join("tests/fixtures/cloudtrail-delete-vpc.json");
    let text = std::fs::read_to_string(&path).expect("the fixture exists");
    let mut event: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
    event["id"] = serde_json::json!(format!("test-delete-{vpc}-{}", unique()));
    event["account"] = serde_json::json!(account);
    event["region"] = serde_json::json!(region);
    event["detail"]["awsRegion"] = serde_json::json!(region);
    event["detail"]["recipientAccountId"] = serde_json::json!(account);
    event["detail"]["userIdentity"]["accountId"] = serde_json::json!(account);
    event["detail"]["requestParameters"]["vpcId"] = serde_json::json!(vpc);
    event
}

/// Network Manager's `TGW-ROUTE-UNINSTALLED` routing update, shaped like
/// the fixture `tests/fixtures/networkmanager-route-uninstalled.json`, for
/// `cidr` uninstalled from the transit gateway of `region` in `account`
/// (as AWS sends it when a VPC attachment goes and its propagated routes
/// with it).
pub fn route_uninstalled_event(region: &str, account: &str, cidr: &str) -> serde_json::Value {
    let path = workspace_root().join("tests/fixtures/networkmanager-route-uninstalled.json");
    let text = std::fs::read_to_string(&path).expect("the fixture exists");
    let mut event: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
    event["id"] = serde_json::json!(format!("test-uninstalled-{cidr}-{}", unique()));
    event["account"] = serde_json::json!(account);
    event["detail"]["region"] = serde_json::json!(region);
    event["detail"]["routes"][0]["destination-cidr-block"] = serde_json::json!(cidr);
    event["detail"]["routes"][0]["route-type"] = serde_json::json!("propagated");
    event
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// The event plumbing of the hub on the emulator: the tool's event bus; the
/// FIFO reconcile queue (`tgw-peering-reconcile.fifo`, one message group,
/// content-based deduplication) that a rule on the bus feeds with the
/// watcher's state changes, as the hub's rules do; and the watcher's
/// re-check queue. moto invokes no Lambda function: the tests pump both
/// queues into the handler, as the SQS event source mappings would.
pub struct EventPlumbing {
    pub bus_name: String,
    pub recheck_queue_url: String,
    pub reconcile_queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

/// A message taken from one of the queues, as the handler receives it.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// `events` (a batch of the reconcile queue) or `recheck`.
    pub kind: &'static str,
    /// The Lambda payload: an SQS batch.
    pub payload: serde_json::Value,
}

/// The message group of the reconcile queue, as the hub's rules set it.
pub const MESSAGE_GROUP: &str = "tgw-peering";

impl EventPlumbing {
    pub async fn create(emulator: &Emulator) -> EventPlumbing {
        use aws_sdk_sqs::types::QueueAttributeName as Attr;
        let shared = emulator.sdk_config().await;
        let events = aws_sdk_eventbridge::Client::new(&shared);
        let sqs = aws_sdk_sqs::Client::new(&shared);
        let bus_name = "tgw-peering".to_owned();
        events.create_event_bus().name(&bus_name).send().await.expect("CreateEventBus");
        let recheck_queue_url = sqs
            .create_queue()
            .queue_name("tgw-peering-recheck")
            .send()
            .await
            .expect("CreateQueue")
            .queue_url
            .expect("a queue URL");
        let reconcile_queue_url = sqs
            .create_queue()
            .queue_name("tgw-peering-reconcile.fifo")
            .attributes(Attr::FifoQueue, "true")
            .attributes(Attr::ContentBasedDeduplication, "true")
            .send()
            .await
            .expect("CreateQueue (FIFO)")
            .queue_url
            .expect("a queue URL");
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&reconcile_queue_url)
            .attribute_names(Attr::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes")
            .attributes
            .and_then(|a| a.get(&Attr::QueueArn).cloned())
            .expect("a queue ARN");
        // The same pattern and target as the hub's StateChangeRule.
        let pattern = serde_json::json!({
            "source": [tgw_peering_core::events::SOURCE],
            "detail-type": [
                tgw_peering_core::events::STATE_CHANGE,
                tgw_peering_core::events::VPC_READY,
                tgw_peering_core::events::GATEWAY_READY,
                tgw_peering_core::events::RECONCILE_CONTINUED,
            ],
        });
        events
            .put_rule()
            .name("state-changes")
            .event_bus_name(&bus_name)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .expect("PutRule");
        let group = aws_sdk_eventbridge::types::SqsParameters::builder()
            .message_group_id(MESSAGE_GROUP)
            .build();
        events
            .put_targets()
            .rule("state-changes")
            .event_bus_name(&bus_name)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("reconcile-queue")
                    .arn(arn)
                    .sqs_parameters(group)
                    .build()
                    .expect("a target"),
            )
            .send()
            .await
            .expect("PutTargets");
        EventPlumbing { bus_name, recheck_queue_url, reconcile_queue_url, sqs }
    }

    /// The configuration of a world of these Regions that publishes on the
    /// bus and schedules re-checks on the queue.
    pub fn config(&self, regions: &[&str]) -> tgw_peering_core::Config {
        let list = regions.join(",");
        tgw_peering_core::Config::from_lookup(|k| match k {
            "PEERING_REGIONS" => Some(list.clone()),
            "EVENT_BUS_NAME" => Some(self.bus_name.clone()),
            "RECHECK_QUEUE_URL" => Some(self.recheck_queue_url.clone()),
            _ => None,
        })
        .expect("a valid configuration")
    }

    /// [`EventPlumbing::config`], and the reconcile queue's URL: the handler
    /// paces its reconciles and brings deferred or failed messages back
    /// sooner, so the queue must be pumped as Lambda does
    /// ([`EventPlumbing::receive_events`], then
    /// [`EventPlumbing::delete_events`] for the messages that did not fail).
    pub fn paced_config(&self, regions: &[&str]) -> tgw_peering_core::Config {
        let mut config = self.config(regions);
        config.reconcile_queue_url = Some(self.reconcile_queue_url.clone());
        config
    }

    /// Sends an AWS event to the reconcile queue as a rule of the hub does:
    /// the event is the body, in the one message group.
    pub async fn send_event(&self, event: &serde_json::Value) {
        self.sqs
            .send_message()
            .queue_url(&self.reconcile_queue_url)
            .message_group_id(MESSAGE_GROUP)
            .message_body(event.to_string())
            .send()
            .await
            .expect("SendMessage (FIFO)");
    }

    /// One receive of at most 10 messages from the reconcile queue, as the
    /// Lambda SQS integration polls it: the batch, and the receipt handles
    /// to delete once it was handled (`None`: the queue is empty).
    pub async fn receive_events(&self) -> Option<(serde_json::Value, Vec<(String, String)>)> {
        let got = self
            .sqs
            .receive_message()
            .queue_url(&self.reconcile_queue_url)
            .max_number_of_messages(10)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .expect("ReceiveMessage (FIFO)");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return None;
        }
        let arn = format!("arn:aws:sqs:us-east-1:{EMULATOR_ACCOUNT}:tgw-peering-reconcile.fifo");
        let handles = messages
            .iter()
            .map(|m| {
                let id = m.message_id().expect("a message id").to_owned();
                (id, m.receipt_handle().expect("a receipt handle").to_owned())
            })
            .collect();
        Some((lambda_batch(&messages, &arn), handles))
    }

    /// Deletes the messages of a batch, but those named in `failed`
    /// (`batchItemFailures`), as the Lambda SQS integration does.
    pub async fn delete_events(&self, handles: &[(String, String)], failed: &[String]) {
        for (_, handle) in handles.iter().filter(|(id, _)| !failed.contains(id)) {
            self.sqs
                .delete_message()
                .queue_url(&self.reconcile_queue_url)
                .receipt_handle(handle)
                .send()
                .await
                .expect("DeleteMessage");
        }
    }

    /// Takes every message visible now from both queues (deleting them):
    /// the reconcile queue's in batches of at most 10, each re-check alone.
    pub async fn take(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        while let Some((payload, handles)) = self.receive_events().await {
            self.delete_events(&handles, &[]).await;
            out.push(Delivered { kind: "events", payload });
        }
        out.extend(self.take_rechecks().await);
        out
    }

    /// Takes every re-check visible now (deleting them), each alone.
    pub async fn take_rechecks(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        let arn = format!("arn:aws:sqs:us-east-1:{EMULATOR_ACCOUNT}:tgw-peering-recheck");
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(&self.recheck_queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("ReceiveMessage");
            let messages = got.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                self.sqs
                    .delete_message()
                    .queue_url(&self.recheck_queue_url)
                    .receipt_handle(m.receipt_handle().expect("a receipt handle"))
                    .send()
                    .await
                    .expect("DeleteMessage");
                out.push(Delivered { kind: "recheck", payload: lambda_batch(&[m], &arn) });
            }
        }
        out
    }
}

/// SQS messages in the Lambda SQS integration's shape.
fn lambda_batch(messages: &[aws_sdk_sqs::types::Message], arn: &str) -> serde_json::Value {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, serde_json::Value> = m
                .attributes()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str().to_owned(), serde_json::json!(v)))
                .collect();
            serde_json::json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body().expect("a body"),
                "attributes": attributes,
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}

/// us-east-1 and eu-west-1 with `n` tagged VPCs each: 10.1.i.0/24 and
/// 10.2.i.0/24. Returns the worlds and the (Region, VPC id) pairs, east first.
pub async fn tagged_world(
    emulator: &Emulator,
    n: u8,
) -> (RegionWorld, RegionWorld, Vec<(String, String)>) {
    let east = RegionWorld::new(emulator, "us-east-1").await;
    let west = RegionWorld::new(emulator, "eu-west-1").await;
    let mut vpcs = Vec::new();
    for (w, second) in [(&east, 1), (&west, 2)] {
        for i in 0..n {
            let id = w.vpc(&format!("10.{second}.{i}.0/24"), Some("true"), &[]).await;
            vpcs.push((w.region.clone(), id));
        }
    }
    (east, west, vpcs)
}

/// What a converged world looks like, free of generated ids: the live
/// peerings of the pair, and each Region's static routes with their target
/// written as `peering` when it is the one live peering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndState {
    pub live_peerings: usize,
    pub routes: BTreeMap<String, Vec<(String, String)>>,
}

/// Peering states that no longer link anything.
const GONE: [&str; 5] = ["deleted", "deleting", "failed", "rejected", "rejecting"];

pub async fn end_state(east: &RegionWorld, west: &RegionWorld) -> EndState {
    let live: Vec<String> = east
        .peerings()
        .await
        .into_iter()
        .filter(|(_, state)| !GONE.contains(&state.as_str()))
        .map(|(id, _)| id)
        .collect();
    let mut routes = BTreeMap::new();
    for w in [east, west] {
        let table: Vec<(String, String)> = w
            .static_routes()
            .await
            .into_iter()
            .map(|(cidr, target)| {
                let target = match target {
                    Some(t) if live.len() == 1 && t == live[0] => "peering".to_owned(),
                    other => format!("{other:?}"),
                };
                (cidr, target)
            })
            .collect();
        let unique: BTreeSet<&String> = table.iter().map(|(c, _)| c).collect();
        assert_eq!(unique.len(), table.len(), "no duplicate route: {table:?}");
        routes.insert(w.region.clone(), table);
    }
    EndState { live_peerings: live.len(), routes }
}
