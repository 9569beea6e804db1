//! Renderings of path verification: `verify`, and the paths' lines of
//! `status`.

use std::fmt::Write;

use tgw_peering_core::verify::{HopReport, PathReport, Verification};

/// The summary line: "N paths whole, M broken, K not verified".
pub fn summary(v: &Verification) -> String {
    let (ok, broken, unverified) = v.totals();
    let mut s = format!("Paths: {ok} whole, {broken} broken");
    if unverified > 0 {
        let _ = write!(s, ", {unverified} not verified");
    }
    s
}

fn hop_line(h: &HopReport) -> String {
    let to = h.to.map_or_else(|| "every destination".to_owned(), |c| c.to_string());
    let paths = if h.paths == 1 { "1 path".to_owned() } else { format!("{} paths", h.paths) };
    format!("{} {} {} → {to}: {} ({paths})", h.region, h.hop, h.subject, h.reason)
}

fn path_line(p: &PathReport) -> String {
    format!(
        "{} {} ({}) → {} {} ({})",
        p.from_vpc, p.from, p.from_region, p.to, p.to_vpc, p.to_region
    )
}

/// `verify`'s text: the summary, then every broken hop with the paths it
/// breaks, then every hop that could not be verified.
pub fn verify_text(v: &Verification) -> String {
    let mut s = summary(v);
    s.push('\n');
    for (title, hops) in [("Broken hops:", &v.broken), ("Not verified:", &v.unverified)] {
        if hops.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title}");
        for h in hops {
            let _ = writeln!(s, "  {}", hop_line(h));
            let key = h.key();
            for p in v.paths.iter().filter(|p| p.hops.contains(&key)) {
                let _ = writeln!(s, "      {}", path_line(p));
            }
        }
    }
    s
}

/// `verify --output json`: `{"paths": [...], "broken_hops": [...],
/// "unverified_hops": [...], "pairs": [...]}`.
pub fn verify_json(v: &Verification) -> serde_json::Value {
    serde_json::json!({
        "paths": v.paths,
        "broken_hops": v.broken,
        "unverified_hops": v.unverified,
        "pairs": v.pairs,
    })
}

/// `status`' lines of paths: the summary, and the broken paths of each
/// pair of Regions.
pub fn status_paths_text(v: &Verification, s: &mut String) {
    let _ = writeln!(s, "{}", summary(v));
    for p in v.pairs.iter().filter(|p| p.broken > 0 || p.unverified > 0) {
        let _ = writeln!(
            s,
            "  {} → {}: {} broken, {} not verified, {} whole",
            p.from_region, p.to_region, p.broken, p.unverified, p.ok
        );
    }
}

/// The exit status of `verify`: 3 when any path is broken, else 0.
pub fn exit_status(v: &Verification) -> u8 {
    if v.totals().1 > 0 {
        3
    } else {
        0
    }
}
