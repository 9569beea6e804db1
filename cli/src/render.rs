//! Human and JSON renderings of plans and status.

use std::fmt::Write;

use tgw_peering_core::domain::RouteTarget;
use tgw_peering_core::execute::ResultLabel;
use tgw_peering_core::planner::{TableReport, VpcTableQuota};
use tgw_peering_core::verify::Verification;
use tgw_peering_core::{Finding, FindingKind, Plan, RouteMark};

use crate::commands::{Applied, ApplyReport, Handled};

pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

pub fn finding_line(f: &Finding) -> String {
    let tag = match f.kind() {
        FindingKind::Waiting => "waiting ",
        FindingKind::Skip => "skip    ",
        FindingKind::Conflict => "CONFLICT",
        FindingKind::Held => "HELD    ",
        FindingKind::Warning => "warning ",
        FindingKind::Isolated => "ISOLATED",
    };
    match &f.region {
        Some(r) => format!("{tag} {r}: {}: {} [{}]", f.subject, f.reason, f.code),
        None => format!("{tag} {}: {} [{}]", f.subject, f.reason, f.code),
    }
}

pub fn plan_text(plan: &Plan) -> String {
    let mut s = String::new();
    let conflicts = plan.conflicts().count();
    let _ = writeln!(
        s,
        "Plan: {} action(s), {} conflict(s), {} other finding(s)",
        plan.actions.len(),
        conflicts,
        plan.findings.len() - conflicts
    );
    segments_text(plan, &mut s);
    for p in &plan.actions {
        let _ = writeln!(s, "  + {}\n      because {}", p.action, p.reason);
    }
    for f in &plan.findings {
        let _ = writeln!(s, "  {}", finding_line(f));
    }
    for t in &plan.tables {
        let _ = writeln!(s, "  {}", quota_line(t));
    }
    for v in &plan.vpc_tables {
        let _ = writeln!(s, "  {}", vpc_quota_line(v));
    }
    if plan.is_converged() {
        let _ = writeln!(s, "Nothing to do: the network matches the tags.");
    }
    s
}

fn target(t: &RouteTarget) -> String {
    match t {
        RouteTarget::Attachment(id) => id.to_string(),
        RouteTarget::Blackhole => "blackhole".to_owned(),
        RouteTarget::Unknown => "(target not reported)".to_owned(),
    }
}

pub fn status_text(plan: &Plan) -> String {
    let mut s = String::new();
    segments_text(plan, &mut s);
    let _ = writeln!(s, "Peerings:");
    for p in &plan.peerings {
        let _ = writeln!(
            s,
            "  {} ({}) <-> {} ({}): {} {}{}",
            p.requester.region,
            p.requester.transit_gateway_id,
            p.accepter.region,
            p.accepter.transit_gateway_id,
            p.attachment_id.as_ref().map(|a| a.as_str()).unwrap_or("none"),
            p.state.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string),
            if p.managed { " [managed]" } else { "" }
        );
    }
    let mut totals = [0usize; 5];
    for t in &plan.tables {
        let _ = writeln!(s, "Route table {} ({}):", t.route_table_id, t.region);
        let _ = writeln!(s, "  {}", quota_line(t));
        if t.routes.is_empty() {
            let _ = writeln!(s, "  (no routes of interest)");
        }
        for r in &t.routes {
            let (mark, i) = match r.mark {
                RouteMark::Desired => ("desired ", 0),
                RouteMark::Missing => ("missing ", 1),
                RouteMark::Extra => ("extra   ", 2),
                RouteMark::Conflict => ("conflict", 3),
                RouteMark::Isolated => ("isolated", 4),
            };
            totals[i] += 1;
            let _ = writeln!(
                s,
                "  {mark} {:<20} -> {:<28} {}",
                r.cidr.to_string(),
                target(&r.target),
                r.note
            );
        }
    }
    for v in &plan.vpc_tables {
        let _ = writeln!(s, "{}", vpc_quota_line(v));
    }
    vpcs_text(plan, &mut s);
    for f in &plan.findings {
        let _ = writeln!(s, "{}", finding_line(f));
    }
    let _ = writeln!(
        s,
        "Routes: {} desired, {} missing, {} extra, {} conflict, {} isolated; {} pending action(s)",
        totals[0],
        totals[1],
        totals[2],
        totals[3],
        totals[4],
        plan.actions.len()
    );
    s
}

/// A managed table's routes against the transit gateway's route quota.
pub fn quota_line(t: &TableReport) -> String {
    let q = &t.quota;
    let after = after_pending(q.counted, q.after_plan);
    let others = match q.not_counted.as_slice() {
        [] => String::new(),
        ids => {
            let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
            format!("; not counted, the gateway's other tables: {}", ids.join(", "))
        }
    };
    let gateway = q.gateway.as_ref().map_or_else(String::new, |g| {
        format!(
            "; with the gateway's other tables read, {} routes{} in {} tables",
            g.counted,
            after_pending(g.counted, g.after_plan),
            g.tables
        )
    });
    format!(
        "quota: {} ({}) counts {} routes{after}, of the gateway's {} (a referenced list counts its maximum entries){gateway}{others}",
        t.route_table_id, t.region, q.counted, q.quota
    )
}

/// `, N after the pending actions` when the plan changes the count.
fn after_pending(counted: usize, after_plan: usize) -> String {
    if after_plan == counted {
        String::new()
    } else {
        format!(", {after_plan} after the pending actions")
    }
}

/// A VPC route table the tool writes to, against its quota of routes.
pub fn vpc_quota_line(v: &VpcTableQuota) -> String {
    let after = after_pending(v.counted, v.after_plan);
    format!(
        "quota: VPC route table {} ({}, {}) counts {} {} routes{after}, of {} (VPC_ROUTE_QUOTA; a route toward a list counts its maximum entries)",
        v.route_table_id, v.vpc_id, v.region, v.counted, v.family.as_str(), v.quota
    )
}

/// Each VPC of each Region: tagged, attachment, local route, advertised.
/// Where segments are declared: a line per segment, a cell per Region
/// (its table, its VPCs advertised, its routes present and missing).
pub fn segments_text(plan: &Plan, s: &mut String) {
    if plan.segments.is_empty() {
        return;
    }
    let _ = writeln!(s, "Segments (per Region: table, VPCs advertised, routes present / missing):");
    let mut names: Vec<&str> = plan.segments.iter().map(|c| c.segment.as_str()).collect();
    names.dedup();
    for name in names {
        let cells: Vec<String> = plan
            .segments
            .iter()
            .filter(|c| c.segment.as_str() == name)
            .map(|c| match &c.route_table_id {
                None => format!("{}: no table", c.region),
                Some(t) => format!(
                    "{}: {t}, {} VPC(s), {} / {} route(s)",
                    c.region, c.vpcs_advertised, c.routes, c.missing
                ),
            })
            .collect();
        let _ = writeln!(s, "  {name:<16} {}", cells.join(" | "));
    }
}

fn vpcs_text(plan: &Plan, s: &mut String) {
    if plan.vpcs.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "VPCs (owner account / tagged / attachment / local route / advertised; segment):"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for v in &plan.vpcs {
        let attachment = v
            .attachment
            .as_ref()
            .map_or_else(|| "none".to_owned(), |(id, state)| format!("{id} {state}"));
        let owner = v.owner.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
        let _ = writeln!(
            s,
            "  {} {:<22} {:<12} / {:<3} / {} / {:<3} / {:<3} {}",
            v.region,
            v.vpc_id.to_string(),
            owner,
            v.tagged.map_or("?", yes),
            attachment,
            yes(v.local_route),
            yes(v.advertised),
            v.segment.as_ref().map_or_else(|| v.note.clone(), |seg| format!("[{seg}] {}", v.note))
        );
    }
}

pub fn status_json(plan: &Plan, paths: &Verification) -> serde_json::Value {
    serde_json::json!({
        "paths": paths.pairs,
        "peerings": plan.peerings,
        "tables": plan.tables,
        "vpcs": plan.vpcs,
        "segments": plan.segments,
        "findings": plan.findings,
        "pending_actions": plan.actions,
    })
}

pub fn applied_line(a: &Applied) -> String {
    match (a.result, &a.detail) {
        (ResultLabel::Done, _) => format!("✓ {}", a.action),
        (ResultLabel::AlreadyDone, Some(d)) => format!("= {} (already done: {d})", a.action),
        (_, Some(d)) => format!("✗ {}: {d}", a.action),
        (r, None) => format!("? {} ({r})", a.action),
    }
}

pub fn apply_summary(r: &ApplyReport) -> String {
    let mut s = String::new();
    for f in &r.findings {
        let _ = writeln!(s, "{}", finding_line(f));
    }
    let _ = writeln!(
        s,
        "{} after {} round(s) in {:.1}s: {} write(s) made. EC2 calls: {} reads, {} writes, {} HTTP attempts.",
        if r.converged { "Converged" } else { "Stopped" },
        r.rounds,
        r.seconds,
        r.writes_done(),
        r.ec2_calls.reads,
        r.ec2_calls.writes,
        r.ec2_calls.attempts
    );
    s
}

/// `tgw-peering handle` in text: per event, its audit lines, what was
/// published and scheduled, and the error if any.
pub fn handled_text(handled: &[Handled]) -> String {
    let mut s = String::new();
    for h in handled {
        let _ = writeln!(s, "== {}", h.input);
        for r in &h.report.audit {
            // Actions name their Region in the subject already.
            let region = match r.region.as_ref().map(|r| r.as_str()) {
                Some(region) if !r.subject.starts_with(region) => format!("{region}: "),
                Some(_) => String::new(),
                None => "-: ".to_owned(),
            };
            let _ = write!(s, "  {:<8} {region}{}: {}", r.decision, r.subject, r.reason);
            match &r.result {
                Some(result) => {
                    let _ = writeln!(s, " [{result}]");
                }
                None => s.push('\n'),
            }
        }
        for e in &h.report.published {
            let _ = writeln!(s, "  published {:?}", e.detail_type());
        }
        if let Some(e) = &h.error {
            let kind = if h.retryable == Some(true) { "retryable" } else { "permanent" };
            let _ = writeln!(s, "  error ({kind}): {e}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use tgw_peering_core::domain::{Region, RouteTableId};
    use tgw_peering_core::planner::RouteQuota;

    fn table(not_counted: &[&str]) -> TableReport {
        TableReport {
            region: Region::parse("us-east-1").unwrap(),
            route_table_id: RouteTableId::parse("tgw-rtb-0123456789abcdef0").unwrap(),
            routes: Vec::new(),
            quota: RouteQuota {
                counted: 3,
                after_plan: 4,
                quota: 10_000,
                not_counted: not_counted
                    .iter()
                    .map(|id| RouteTableId::parse(id).unwrap())
                    .collect(),
                gateway: None,
            },
            lists: Vec::new(),
            segment: None,
        }
    }

    #[test]
    fn the_segment_matrix_is_a_line_per_segment_with_a_cell_per_region() {
        use tgw_peering_core::domain::Segment;
        use tgw_peering_core::planner::SegmentCell;
        let cell = |seg: &str, r: &str, table: Option<&str>, vpcs, routes, missing| SegmentCell {
            segment: Segment::parse(seg).unwrap(),
            region: Region::parse(r).unwrap(),
            route_table_id: table.map(|t| RouteTableId::parse(t).unwrap()),
            vpcs_advertised: vpcs,
            routes,
            missing,
        };
        let plan = Plan {
            segments: vec![
                cell("dev", "us-east-1", Some("tgw-rtb-1"), 2, 3, 1),
                cell("dev", "eu-west-1", None, 0, 0, 0),
                cell("prod", "us-east-1", Some("tgw-rtb-2"), 1, 0, 0),
            ],
            ..Plan::default()
        };
        let mut s = String::new();
        segments_text(&plan, &mut s);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 3, "{s}");
        assert!(lines[1].trim_start().starts_with("dev"), "{s}");
        assert!(lines[1].contains("us-east-1: tgw-rtb-1, 2 VPC(s), 3 / 1 route(s)"), "{s}");
        assert!(lines[1].contains("eu-west-1: no table"), "{s}");
        assert!(lines[2].trim_start().starts_with("prod"), "{s}");
        let mut none = String::new();
        segments_text(&Plan::default(), &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn the_quota_line_names_the_gateway_s_other_tables_only_when_it_has_some() {
        let alone = quota_line(&table(&[]));
        assert!(alone.ends_with("(a referenced list counts its maximum entries)"), "{alone}");
        let beside = quota_line(&table(&["tgw-rtb-0000000000000e0e1"]));
        assert!(beside.ends_with("other tables: tgw-rtb-0000000000000e0e1"), "{beside}");
        assert!(beside.contains("counts 3 routes, 4 after the pending actions"), "{beside}");
    }
}
