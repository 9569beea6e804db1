//! The test harness: an EC2 emulator (moto, patched by `tests/emulator/server.py`)
//! on 127.0.0.1, one server per test for isolation, and a builder for worlds
//! of transit gateways and VPCs in several Regions.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region as SdkRegion, SdkConfig};
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
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
        let python = std::env::var("TGW_EMULATOR_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join(".venv/bin/python"));
        assert!(
            python.exists(),
            "{} not found: run `make venv` first (it installs the pinned moto)",
            python.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut cmd = Command::new(python);
        cmd.arg(workspace_root().join("tests/emulator/server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match flavour {
            Flavour::Plain => {
                cmd.env("TGW_EMULATOR_PLAIN", "1");
            }
            Flavour::Patched { phase_seconds } => {
                cmd.env("TGW_EMULATOR_PHASE_SECONDS", phase_seconds.to_string());
            }
        }
        let child = cmd.spawn().expect("the emulator starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the emulator did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Emulator {
            child,
            endpoint: format!("http://{addr}"),
        }
    }

    /// The shared SDK configuration of the tool (its retry and timeouts),
    /// pointed at this emulator with static test credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        tgw_peering_core::aws::sdk_config_loader()
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .region(SdkRegion::new("us-east-1"))
            .load()
            .await
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

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
        let ec2 = emulator.ec2(region).await;
        let tgw = ec2
            .create_transit_gateway()
            .description(format!("test {region}"))
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

    /// Creates a VPC with `cidr`, tagged `addToTransitGateway=<tag>` if given,
    /// with `secondary` CIDRs associated after it. Returns its id.
    pub async fn vpc(&self, cidr: &str, tag_value: Option<&str>, secondary: &[&str]) -> String {
        self.create_vpc(cidr, tag_value, secondary, false).await
    }

    /// Like [`RegionWorld::vpc`], with an Amazon-provided IPv6 /56 as well.
    pub async fn vpc_with_ipv6(&self, cidr: &str, tag_value: Option<&str>) -> String {
        self.create_vpc(cidr, tag_value, &[], true).await
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

    /// The static routes of the Region's route table: (CIDR, attachment if reported).
    pub async fn static_routes(&self) -> Vec<(String, Option<String>)> {
        let out = self
            .ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(&self.route_table)
            .filters(Filter::builder().name("type").values("static").build())
            .send()
            .await
            .expect("SearchTransitGatewayRoutes");
        let mut routes: Vec<(String, Option<String>)> = out
            .routes()
            .iter()
            .filter_map(|r| {
                Some((
                    r.destination_cidr_block()?.to_owned(),
                    r.transit_gateway_attachments()
                        .first()
                        .and_then(|a| a.transit_gateway_attachment_id())
                        .map(str::to_owned),
                ))
            })
            .collect();
        routes.sort();
        routes
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
                    p.transit_gateway_attachment_id()
                        .unwrap_or_default()
                        .to_owned(),
                    p.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// The configuration of a test world: these Regions, everything else default.
pub fn config(regions: &[&str]) -> tgw_peering_core::Config {
    let list = regions.join(",");
    tgw_peering_core::Config::from_lookup(|k| (k == "PEERING_REGIONS").then(|| list.clone()))
        .expect("a valid configuration")
}
