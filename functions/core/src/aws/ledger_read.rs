//! Reading the ownership ledger: the tool's customer-managed prefix lists
//! (`DescribeManagedPrefixLists`, one call and its pages) and the entries
//! of each (`GetManagedPrefixListEntries`, one call per list and its
//! pages). Pages of 100, the most either call allows (EC2 API reference,
//! `MaxResults`: "Maximum value of 100"). `DescribeManagedPrefixLists`
//! documents no tag filter, so the lists are recognised by their tags here.

use std::collections::BTreeMap;

use aws_sdk_ec2::types as ec2;

use super::ec2::{tags_of, AwsEc2};
use super::errors::decode;
use crate::domain::{
    AttachmentId, Blackholes, Cidr, Family, LedgerList, LedgerRead, ListDeployment, PrefixListId,
    Region, ResizeRecord, TransitGatewayId, LEDGER_GATEWAY_TAG, LEDGER_ISOLATED_PREFIX,
    LEDGER_LEFT_PREFIX, LEDGER_PEERING_TAG, LEDGER_PEER_TAG, LEDGER_RESIZE_TAG, LEDGER_TAG_KEY_TAG,
    MANAGED_TAG_KEY, MANAGED_TAG_VALUE,
};
use crate::error::Error;

const LISTS: &str = "DescribeManagedPrefixLists";
const ENTRIES: &str = "GetManagedPrefixListEntries";

impl AwsEc2 {
    pub(super) async fn read_ledger(&self) -> Result<LedgerRead, Error> {
        let items =
            every_item!(self, LISTS, self.client.describe_managed_prefix_lists().max_results(100))?;
        let customer_lists = items.iter().filter(|l| l.owner_id() != Some("AWS")).count();
        let mut lists = Vec::new();
        for list in items.iter().filter_map(|l| self.ledger_list(l).transpose()) {
            let mut list = list?;
            // A list deleted (by hand) may stay listed a while, and its
            // entries are then not found: it is no ledger any more.
            if is_deleted(&list.state) {
                continue;
            }
            list.entries = match self.read_entries(&list.id).await {
                Err(e) if e.aws_code() == Some("InvalidPrefixListID.NotFound") => continue,
                entries => entries?,
            };
            lists.push(list);
        }
        Ok(LedgerRead { lists, customer_lists })
    }

    /// A list the tool made (tagged managed, with a peer Region), without
    /// its entries; `None` for any other list.
    fn ledger_list(&self, l: &ec2::ManagedPrefixList) -> Result<Option<LedgerList>, Error> {
        let tags = tags_of(l.tags());
        let (Some(MANAGED_TAG_VALUE), Some(peer)) =
            (tags.get(MANAGED_TAG_KEY).map(String::as_str), tags.get(LEDGER_PEER_TAG))
        else {
            return Ok(None);
        };
        let id = l.prefix_list_id().unwrap_or_default();
        let family = match l.address_family() {
            Some("IPv6") => Family::Ipv6,
            _ => Family::Ipv4,
        };
        Ok(Some(LedgerList {
            // The records are the tool's own tags: one that does not parse
            // (changed by hand) records nothing.
            deployment: match tags.get(LEDGER_GATEWAY_TAG) {
                None => ListDeployment::Unrecorded,
                Some(g) => TransitGatewayId::parse(g.trim()).map_or_else(
                    |_| ListDeployment::Unreadable(g.clone()),
                    ListDeployment::Gateway,
                ),
            },
            peering: tags.get(LEDGER_PEERING_TAG).and_then(|p| AttachmentId::parse(p.trim()).ok()),
            isolated: Blackholes::from_tags(&tags, LEDGER_ISOLATED_PREFIX),
            left: Blackholes::from_tags(&tags, LEDGER_LEFT_PREFIX),
            tag_count: tags.len(),
            state_message: l.state_message().map(str::to_owned),
            resize: tags.get(LEDGER_RESIZE_TAG).and_then(|v| ResizeRecord::parse(v)),
            segment: tags.get(crate::domain::SEGMENT_TAG).cloned(),
            id: decode(&self.region, LISTS, "a prefix list ID", PrefixListId::parse(id))?,
            name: l.prefix_list_name().unwrap_or_default().to_owned(),
            peer: decode(&self.region, LISTS, "a peer Region tag", Region::parse(peer))?,
            family,
            tag_key: tags.get(LEDGER_TAG_KEY_TAG).cloned().unwrap_or_default(),
            version: l.version().unwrap_or(0),
            max_entries: usize::try_from(l.max_entries().unwrap_or(0)).unwrap_or(0),
            state: l.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            entries: BTreeMap::new(),
        }))
    }

    async fn read_entries(&self, list: &PrefixListId) -> Result<BTreeMap<Cidr, String>, Error> {
        let request = self.client.get_managed_prefix_list_entries().prefix_list_id(list.as_str());
        let items = every_item!(self, ENTRIES, request.max_results(100))?;
        items
            .iter()
            .map(|e| {
                let cidr = e.cidr().unwrap_or_default();
                let cidr = decode(&self.region, ENTRIES, "a CIDR block", Cidr::parse(cidr))?;
                Ok((cidr, e.description().unwrap_or_default().to_owned()))
            })
            .collect()
    }
}

/// `delete-in-progress` or `delete-complete` (`ManagedPrefixList.State`, EC2
/// API reference): the list is going or gone; `delete-failed` still exists.
fn is_deleted(state: &str) -> bool {
    matches!(state, "delete-in-progress" | "delete-complete")
}
