//! The topic pages of `docs/` against the code: the configuration page
//! lists exactly the variables the configuration reads, the events page
//! exactly the detail-types the tool emits and the finding codes (each with
//! its decision), the operations page exactly the metrics the functions write.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use tgw_peering_core::config::Config;
use tgw_peering_core::events::EMITTED;
use tgw_peering_core::{FindingCode, FindingKind};

fn page(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs").join(name);
    std::fs::read_to_string(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// The backticked names in the first column of the table rows under
/// `heading` (the first table of the page when `None`).
fn first_column(text: &str, heading: Option<&str>) -> BTreeSet<String> {
    let start = heading.map_or(0, |h| text.find(h).unwrap_or_else(|| panic!("no {h}")));
    let mut names = BTreeSet::new();
    let mut in_table = false;
    for line in text[start..].lines() {
        if let Some(row) = line.strip_prefix('|') {
            in_table = true;
            let cell = row.split('|').next().unwrap_or_default();
            names.extend(cell.split('`').skip(1).step_by(2).map(str::to_owned));
        } else if in_table {
            break;
        }
    }
    names
}

#[test]
fn the_configuration_page_lists_exactly_the_variables_the_configuration_reads() {
    let read = RefCell::new(BTreeSet::new());
    Config::from_lookup(|k| {
        read.borrow_mut().insert(k.to_owned());
        (k == "PEERING_REGIONS").then(|| "us-east-1,eu-west-1".to_owned())
    })
    .expect("a valid configuration");
    let read = read.into_inner();
    let declared: BTreeSet<String> = Config::VARIABLES.iter().map(|v| (*v).to_owned()).collect();
    assert_eq!(read, declared, "Config::VARIABLES is what from_lookup reads");
    let listed = first_column(&page("configuration.md"), None);
    assert_eq!(listed, declared, "docs/configuration.md");
}

#[test]
fn the_events_page_lists_exactly_the_detail_types_the_tool_emits() {
    let listed = first_column(&page("events.md"), Some("## Emitted"));
    let emitted: BTreeSet<String> = EMITTED.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(listed, emitted, "docs/events.md, Emitted");
}

/// The variants of `FindingCode` as its source declares them, in serde's
/// snake case.
fn declared_codes() -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/planner/finding.rs");
    let source = std::fs::read_to_string(&path).expect("the finding module");
    let body = source.split("pub enum FindingCode {").nth(1).expect("the enum");
    let body = body.split("\n}").next().expect("its end");
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && l.ends_with(','))
        .map(|variant| {
            let mut snake = String::new();
            for (i, ch) in variant.trim_end_matches(',').chars().enumerate() {
                if ch.is_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(ch.to_ascii_lowercase());
            }
            snake
        })
        .collect()
}

#[test]
fn the_events_page_lists_every_finding_code_with_the_decision_it_has() {
    let text = page("events.md");
    let listed = first_column(&text, Some("## Finding codes"));
    assert_eq!(listed, declared_codes(), "docs/events.md, Finding codes");
    let section = text.split("## Finding codes").nth(1).expect("the section");
    for row in section.lines().filter_map(|l| l.strip_prefix("| `")) {
        let mut cells = row.split('|').map(str::trim);
        let code = cells.next().unwrap_or_default().trim_end_matches('`');
        let decision = cells.next().unwrap_or_default();
        let parsed: FindingCode = serde_json::from_value(serde_json::json!(code))
            .unwrap_or_else(|e| panic!("{code} is a code: {e}"));
        let kind: FindingKind = serde_json::from_value(serde_json::json!(decision))
            .unwrap_or_else(|e| panic!("{decision} is a decision: {e}"));
        assert_eq!(parsed.kind(), kind, "{code}");
        assert_eq!(parsed.to_string(), code, "the code is written as documented");
    }
}

#[test]
fn the_operations_page_lists_exactly_the_metrics_the_functions_write() {
    let text = page("operations.md");
    let listed = first_column(&text, Some("## Metrics"));
    let written: BTreeSet<String> =
        tgw_peering_core::metrics::CATALOG.iter().map(|m| m.name.to_owned()).collect();
    assert_eq!(listed, written);
    assert!(text.contains(tgw_peering_core::metrics::NAMESPACE));
}
