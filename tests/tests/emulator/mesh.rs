//! The mesh view (`tgw-peering status --output dot` and `--output
//! mermaid`) of a converged three-Region world on the emulator, one path
//! broken by hand: Graphviz parses the DOT (`dot -Tsvg`, which `make test`
//! installs where it is missing) and draws every Region, gateway and
//! peering; the Mermaid text is a flowchart with a node per Region and a
//! link per peering, read back line by line (no renderer is needed).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use tgw_peering::commands::Session;
use tgw_peering::mesh::{dot, mermaid, mermaid_id, Mesh};
use tgw_peering_core::verify::Keep;
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

use super::common::converge;
use super::paths::route_to_gateway;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// The DOT text drawn by Graphviz as SVG.
fn graphviz_svg(dot_text: &str) -> String {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Graphviz's `dot` on PATH (`make test` installs the graphviz package)");
    child.stdin.take().expect("stdin").write_all(dot_text.as_bytes()).expect("write DOT");
    let out = child.wait_with_output().expect("dot runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "dot: {stderr}\n{dot_text}");
    // Graphviz writes `-` in SVG text as its character reference.
    String::from_utf8(out.stdout).expect("UTF-8 SVG").replace("&#45;", "-")
}

/// A Mermaid flowchart read back: its direction, node ids, and links
/// (from, arrow, label, to), and the links styled.
#[derive(Debug, Default)]
struct Flowchart {
    header: String,
    nodes: BTreeSet<String>,
    links: Vec<(String, String, String, String)>,
    styled: Vec<usize>,
}

fn parse_mermaid(text: &str) -> Flowchart {
    let mut lines = text.lines();
    let mut chart =
        Flowchart { header: lines.next().unwrap_or_default().to_owned(), ..Default::default() };
    for line in lines.map(str::trim) {
        if let Some(rest) = line.strip_prefix("linkStyle ") {
            let (ids, _) = rest.split_once(' ').expect("linkStyle ids style");
            chart.styled.extend(ids.split(',').map(|i| i.parse::<usize>().expect("a link index")));
        } else if let Some((id, label)) = line.split_once("[\"") {
            assert!(label.ends_with("\"]"), "a node: {line}");
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
            chart.nodes.insert(id.to_owned());
        } else {
            let (from, rest) = line.split_once(' ').expect("a link");
            let (arrow, rest) = rest.split_once("|\"").expect("a labelled link");
            let (label, to) = rest.split_once("\"| ").expect("the link's end");
            assert!(["---", "-.-"].contains(&arrow), "{line}");
            chart.links.push((from.into(), arrow.into(), label.into(), to.into()));
        }
    }
    chart
}

#[tokio::test]
async fn the_mesh_of_three_regions_draws_with_graphviz_and_reads_back_as_a_mermaid_flowchart() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let mut worlds = Vec::new();
    for (i, r) in REGIONS.iter().enumerate() {
        let world = RegionWorld::new(&emulator, r).await;
        let vpc = world.vpc(&format!("10.{}.0.0/16", i + 1), Some("true"), &[]).await;
        // us-east-1's VPC routes nothing to its gateway: its pairs are
        // broken at the first hop; eu-west-1 and ap-southeast-2 stay whole.
        if i > 0 {
            route_to_gateway(&world, &vpc).await;
        }
        worlds.push(world);
    }
    let session = Session::new(config(&REGIONS), &emulator.sdk_config().await);
    let report = converge(&session).await;
    assert!(report.converged, "{report:?}");
    // And a blackhole by hand in us-east-1 for half of eu-west-1's VPC.
    worlds[0].blackhole_route("10.2.128.0/17").await;
    let (plan, v) = session.plan_and_verify(Keep::None).await.expect("status");
    let mesh = Mesh::of(&plan, &v, &session.config.regions);
    assert_eq!(plan.peerings.len(), 3, "{plan:?}");

    let svg = graphviz_svg(&dot(&mesh));
    for w in &worlds {
        assert!(svg.contains(&w.region), "{} in the SVG", w.region);
        assert!(svg.contains(&w.tgw), "{} in the SVG", w.tgw);
    }
    for p in &plan.peerings {
        let id = p.attachment_id.as_ref().expect("every pair is peered").to_string();
        assert!(svg.contains(&id), "{id} in the SVG");
    }

    let chart = parse_mermaid(&mermaid(&mesh));
    assert_eq!(chart.header, "flowchart LR");
    let regions: BTreeSet<String> = session.config.regions.iter().map(mermaid_id).collect();
    assert_eq!(chart.nodes, regions);
    assert_eq!(chart.links.len(), plan.peerings.len());
    for p in &plan.peerings {
        let id = p.attachment_id.as_ref().expect("peered").to_string();
        let ends =
            BTreeSet::from([mermaid_id(&p.requester.region), mermaid_id(&p.accepter.region)]);
        let link = chart.links.iter().find(|l| l.2.contains(&id)).expect("a link per peering");
        assert_eq!(BTreeSet::from([link.0.clone(), link.3.clone()]), ends, "{link:?}");
        assert_eq!(link.1, "---", "an available peering is a solid link");
        assert!(link.2.contains("available"), "{link:?}");
    }
    // The pairs of us-east-1 are broken and drawn red; the other is whole.
    let east = mermaid_id(&session.config.regions[0]);
    for (i, link) in chart.links.iter().enumerate() {
        let broken = link.0 == east || link.3 == east;
        assert_eq!(link.2.contains("BROKEN"), broken, "{link:?}");
        assert_eq!(chart.styled.contains(&i), broken, "{link:?} styled {:?}", chart.styled);
        if !broken {
            assert!(link.2.contains("2 path(s) whole"), "{link:?}");
        }
    }
}
