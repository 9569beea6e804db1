//! How an action reads in `plan`, the audit trail and the events: its
//! Region, what it does, and where.

use std::fmt;

use crate::domain::Cidr;

use super::Action;

/// One line per action, as `plan` prints it: its Region, what it does,
/// and where. One exhaustive match (an arm per action).
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::CreatePeering { requester, accepter } => write!(
                f,
                "{}: create peering {} -> {} ({})",
                requester.region,
                requester.transit_gateway_id,
                accepter.transit_gateway_id,
                accepter.region
            ),
            Action::AcceptPeering { region, attachment_id } => {
                write!(f, "{region}: accept peering {attachment_id}")
            }
            Action::DeletePeering { region, attachment_id } => {
                write!(f, "{region}: delete peering {attachment_id}")
            }
            Action::AssociateRouteTable { region, route_table_id, attachment_id } => {
                write!(f, "{region}: associate {attachment_id} with {route_table_id}")
            }
            Action::DisassociateRouteTable { region, route_table_id, attachment_id } => {
                write!(f, "{region}: disassociate {attachment_id} from {route_table_id}")
            }
            Action::TagLedger { region, prefix_list_id, tags } => {
                let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "{region}: tag ledger list {prefix_list_id}: {}", tags.join(", "))
            }
            Action::UntagLedger { region, prefix_list_id, keys } => {
                write!(f, "{region}: untag ledger list {prefix_list_id}: {}", keys.join(", "))
            }
            Action::RecordPeering { region, prefix_list_id, peering, .. } => {
                write!(f, "{region}: ledger list {prefix_list_id}: its routes go over {peering}")
            }
            Action::CreateLedger { region, name, entries, max_entries, .. } => write!(
                f,
                "{region}: create ledger list {name} with {} entries (max {max_entries})",
                entries.len()
            ),
            Action::ResizeLedger { region, prefix_list_id, max_entries, .. } => {
                write!(f, "{region}: grow ledger list {prefix_list_id} to {max_entries} entries")
            }
            Action::UpdateLedger { region, prefix_list_id, add, remove, .. } => write!(
                f,
                "{region}: ledger list {prefix_list_id}: add {}, remove {}",
                cidrs(add.iter().map(|e| &e.cidr)),
                cidrs(remove.iter())
            ),
            Action::ReleaseLedger { region, prefix_list_id, remove, .. } => write!(
                f,
                "{region}: ledger list {prefix_list_id}: release {}",
                cidrs(remove.iter())
            ),
            Action::CreateRoute { region, route_table_id: table, cidr, attachment_id: to } => {
                write!(f, "{region}: add route {cidr} -> {to} in {table}")
            }
            Action::ReplaceRoute {
                region,
                route_table_id: table,
                cidr,
                attachment_id: to,
                from,
            } => write!(f, "{region}: move route {cidr} from {from} to {to} in {table}"),
            Action::DeleteRoute { region, route_table_id: table, cidr, target: to } => {
                write!(f, "{region}: remove route {cidr} -> {to} from {table}")
            }
            Action::RetireRoute { region, route_table_id: table, cidr, prefix_list_id } => {
                write!(f, "{region}: remove route {cidr} from {table} (served by {prefix_list_id})")
            }
            Action::RetireVpcRoute {
                region, route_table_id: table, cidr, prefix_list_id, ..
            } => {
                write!(
                    f,
                    "{region}: remove VPC route {cidr} from {table} (served by {prefix_list_id})"
                )
            }
            Action::CreateReference {
                region,
                route_table_id: table,
                prefix_list,
                attachment_id,
            } => {
                write!(f, "{region}: reference {prefix_list} -> {attachment_id} in {table}")
            }
            Action::ModifyReference {
                region,
                route_table_id: table,
                prefix_list_id,
                attachment_id: to,
                from,
            } => write!(
                f,
                "{region}: move reference {prefix_list_id} from {from} to {to} in {table}"
            ),
            Action::DeleteReference { region, route_table_id: table, prefix_list_id, target } => {
                write!(f, "{region}: remove reference {prefix_list_id} -> {target} from {table}")
            }
            Action::CreateVpcRoute {
                region,
                route_table_id: table,
                cidr,
                transit_gateway_id: to,
            } => write!(f, "{region}: add VPC route {cidr} -> {to} in {table}"),
            Action::DeleteVpcRoute {
                region,
                route_table_id: table,
                cidr,
                transit_gateway_id: to,
            } => write!(f, "{region}: remove VPC route {cidr} -> {to} from {table}"),
            Action::CreateVpcListRoute {
                region,
                route_table_id: table,
                prefix_list,
                transit_gateway_id: to,
            } => write!(f, "{region}: add VPC route {prefix_list} -> {to} in {table}"),
            Action::DeleteVpcListRoute {
                region,
                route_table_id: table,
                prefix_list_id,
                transit_gateway_id: to,
            } => write!(f, "{region}: remove VPC route {prefix_list_id} -> {to} from {table}"),
        }
    }
}

/// CIDRs as a comma list, `none` when there are none.
fn cidrs<'a>(list: impl Iterator<Item = &'a Cidr>) -> String {
    let all: Vec<String> = list.map(ToString::to_string).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}
