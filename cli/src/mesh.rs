//! The mesh view of `status --output dot` (Graphviz) and `--output mermaid`
//! (a Mermaid flowchart, which GitHub and GitLab render in markdown): a
//! node per managed Region with its transit gateway, its managed route
//! tables (and their segments) and its VPCs advertised; an edge per Region
//! pair with its peering attachment and state, and its paths, broken ones
//! marked. Drawn from the same plan and verification as `status`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use tgw_peering_core::domain::Region;
use tgw_peering_core::verify::Verification;
use tgw_peering_core::Plan;

/// One Region of the mesh.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionNode {
    /// Its managed transit gateway, as the peerings name it.
    pub gateway: Option<String>,
    /// Its managed route tables: the ID and, where segments are declared,
    /// the segment (`[segment]`).
    pub tables: Vec<String>,
    pub vpcs_advertised: usize,
}

/// One Region pair of the mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairEdge {
    pub a: Region,
    pub b: Region,
    /// `tgw-attach-… available`, or `no peering`.
    pub peering: String,
    /// Whether the peering is `available`.
    pub available: bool,
    /// Paths of both directions: whole, broken, not verified.
    pub paths: (usize, usize, usize),
}

/// The mesh of a plan and its verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mesh {
    pub regions: BTreeMap<Region, RegionNode>,
    pub pairs: Vec<PairEdge>,
}

impl Mesh {
    /// Every managed Region of `regions` (those whose gateway could not be
    /// resolved too), every pair of `plan` and the path counts of `v`.
    pub fn of(plan: &Plan, v: &Verification, regions: &[Region]) -> Self {
        let mut mesh = Mesh::default();
        for r in regions {
            mesh.regions.entry(r.clone()).or_default();
        }
        for t in &plan.tables {
            let name = match &t.segment {
                Some(segment) => format!("{} [{segment}]", t.route_table_id),
                None => t.route_table_id.to_string(),
            };
            mesh.regions.entry(t.region.clone()).or_default().tables.push(name);
        }
        for vpc in plan.vpcs.iter().filter(|v| v.advertised) {
            mesh.regions.entry(vpc.region.clone()).or_default().vpcs_advertised += 1;
        }
        for p in &plan.peerings {
            for g in [&p.requester, &p.accepter] {
                let node = mesh.regions.entry(g.region.clone()).or_default();
                node.gateway.get_or_insert_with(|| g.transit_gateway_id.to_string());
            }
            let state = p.state.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
            let peering = match &p.attachment_id {
                Some(id) => format!("{id} {state}"),
                None => "no peering".to_owned(),
            };
            let (a, b) = (p.requester.region.clone(), p.accepter.region.clone());
            let paths = pair_paths(v, &a, &b);
            let available = state == "available";
            mesh.pairs.push(PairEdge { a, b, peering, available, paths });
        }
        mesh
    }
}

/// The paths between `a` and `b`, both directions: whole, broken, not
/// verified.
fn pair_paths(v: &Verification, a: &Region, b: &Region) -> (usize, usize, usize) {
    v.pairs
        .iter()
        .filter(|c| {
            (&c.from_region, &c.to_region) == (a, b) || (&c.from_region, &c.to_region) == (b, a)
        })
        .fold((0, 0, 0), |(ok, broken, un), c| (ok + c.ok, broken + c.broken, un + c.unverified))
}

impl RegionNode {
    /// Its label's lines: the Region, the gateway, each table, the VPCs.
    fn lines(&self, region: &Region) -> Vec<String> {
        let mut lines = vec![region.to_string()];
        let none = "transit gateway: in no pair's plan (waiting, or not resolved)";
        lines.push(self.gateway.clone().unwrap_or_else(|| none.into()));
        lines.extend(self.tables.iter().map(|t| format!("route table {t}")));
        lines.push(format!("{} VPC(s) advertised", self.vpcs_advertised));
        lines
    }
}

impl PairEdge {
    /// Its label's lines: the peering, then the paths.
    fn lines(&self) -> Vec<String> {
        let (ok, broken, unverified) = self.paths;
        let mut lines = vec![self.peering.clone(), format!("{ok} path(s) whole")];
        if broken > 0 {
            lines.push(format!("{broken} path(s) BROKEN"));
        }
        if unverified > 0 {
            lines.push(format!("{unverified} path(s) not verified"));
        }
        lines
    }

    fn broken(&self) -> bool {
        self.paths.1 > 0
    }
}

/// Lines quoted as one string of Graphviz's DOT language: `\` and `"`
/// escaped, the lines joined with DOT's `\n` (a centred line break).
fn dot_quote(lines: &[String]) -> String {
    let escaped: Vec<String> =
        lines.iter().map(|l| l.replace('\\', "\\\\").replace('"', "\\\"")).collect();
    format!("\"{}\"", escaped.join("\\n"))
}

/// The mesh in Graphviz's DOT language: an undirected graph, a box per
/// Region, an edge per pair (dashed where no peering is available, red
/// where paths are broken).
pub fn dot(mesh: &Mesh) -> String {
    let mut s = String::from("graph mesh {\n");
    s.push_str("  graph [label=\"tgw-peering mesh\", labelloc=t, fontname=\"Helvetica\"];\n");
    s.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    s.push_str("  edge [fontname=\"Helvetica\"];\n");
    for (region, node) in &mesh.regions {
        let (id, label) = (dot_quote(&[region.to_string()]), dot_quote(&node.lines(region)));
        let _ = writeln!(s, "  {id} [label={label}];");
    }
    for e in &mesh.pairs {
        let style = match (e.broken(), e.available) {
            (true, true) => "color=red, penwidth=2",
            (true, false) => "color=red, penwidth=2, style=dashed",
            (false, true) => "color=darkgreen",
            (false, false) => "color=gray, style=dashed",
        };
        let label = dot_quote(&e.lines());
        let (a, b) = (dot_quote(&[e.a.to_string()]), dot_quote(&[e.b.to_string()]));
        let _ = writeln!(s, "  {a} -- {b} [label={label}, {style}];");
    }
    s.push_str("}\n");
    s
}

/// A Region's Mermaid node id (letters, digits and `_`).
pub fn mermaid_id(region: &Region) -> String {
    region.as_str().replace('-', "_")
}

/// Text for a quoted Mermaid label: `"` as its entity, lines with `<br/>`.
fn mermaid_label(lines: &[String]) -> String {
    lines.iter().map(|l| l.replace('"', "#quot;")).collect::<Vec<_>>().join("<br/>")
}

/// The mesh as a Mermaid flowchart: a node per Region, a link per pair
/// (`---` with a peering available, `-.-` without), the links with broken
/// paths drawn red with `linkStyle`.
pub fn mermaid(mesh: &Mesh) -> String {
    let mut s = String::from("flowchart LR\n");
    for (region, node) in &mesh.regions {
        let _ = writeln!(s, "  {}[\"{}\"]", mermaid_id(region), mermaid_label(&node.lines(region)));
    }
    let mut red = Vec::new();
    for (i, e) in mesh.pairs.iter().enumerate() {
        let link = if e.available { "---" } else { "-.-" };
        let label = mermaid_label(&e.lines());
        let (a, b) = (mermaid_id(&e.a), mermaid_id(&e.b));
        let _ = writeln!(s, "  {a} {link}|\"{label}\"| {b}");
        if e.broken() {
            red.push(i.to_string());
        }
    }
    if !red.is_empty() {
        let _ = writeln!(s, "  linkStyle {} stroke:#d00,stroke-width:3px", red.join(","));
    }
    s
}
