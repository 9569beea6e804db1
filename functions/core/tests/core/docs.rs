//! The topic pages of `docs/` against the code: the configuration page
//! lists exactly the variables the configuration reads, the events page
//! exactly the detail-types the tool emits.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use tgw_peering_core::config::Config;
use tgw_peering_core::events::EMITTED;

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
