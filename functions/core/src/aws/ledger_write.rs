//! Writing the ownership ledger: `CreateManagedPrefixList` (tagged, with
//! its first entries), `ModifyManagedPrefixList` (entries at the version
//! read, or the list's size), and the records kept as the list's tags
//! (`CreateTags`, `DeleteTags`: both replace or remove in place, so a
//! repeat is harmless).
//!
//! `CreateManagedPrefixList` takes at most 100 entries, and
//! `ModifyManagedPrefixList` at most 100 to add and 100 to remove per
//! request, and entries and `MaxEntries` not in the same
//! request (EC2 API reference); a stale `CurrentVersion` is refused
//! (`PrefixListVersionMismatch`, as the Terraform AWS provider handles it;
//! the reference names no code): someone else changed the list, so the
//! refusal is retryable and the next reconcile reads and plans again,
//! never overwriting. A list still applying an earlier change refuses a
//! new one (`IncorrectState`): retryable too.

use aws_sdk_ec2::types::{
    AddPrefixListEntry, RemovePrefixListEntry, ResourceType, Tag, TagSpecification,
};

use super::ec2::{AwsEc2, Written};
use super::errors::decode;
use crate::domain::{
    AttachmentId, Cidr, PrefixListId, ResizeRecord, TransitGatewayId, LEDGER_GATEWAY_TAG,
    LEDGER_PEERING_TAG, LEDGER_PEER_TAG, LEDGER_RESIZE_TAG, LEDGER_TAG_KEY_TAG, MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
};
use crate::error::Error;
use crate::planner::LedgerEntry;
use crate::ports::Outcome;

/// A new ledger list.
pub(super) struct NewList<'a> {
    pub peer: &'a crate::domain::Region,
    pub family: crate::domain::Family,
    pub name: &'a str,
    pub tag_key: &'a str,
    pub transit_gateway: &'a TransitGatewayId,
    pub peering: Option<&'a AttachmentId>,
    pub segment: Option<&'a crate::domain::Segment>,
    pub max_entries: usize,
}

/// Entries per `ModifyManagedPrefixList` request, each way.
const ENTRIES_PER_MODIFY: usize = 100;
/// Codes that mean "read again and plan again".
const RETRY_CODES: &[&str] = &["PrefixListVersionMismatch", "IncorrectState"];

impl AwsEc2 {
    /// Records the peering a list's routes go over, and the blackholes
    /// left by the old peering's deletion (`left`: record keys).
    pub(super) async fn record_peering(
        &self,
        list: &PrefixListId,
        peering: &AttachmentId,
        left: &[String],
    ) -> Written {
        let mut tags = vec![(LEDGER_PEERING_TAG.to_owned(), peering.to_string())];
        tags.extend(left.iter().map(|k| (k.clone(), "true".to_owned())));
        self.tag_list(list, &tags).await
    }

    /// Removes records from a list (`DeleteTags`: a repeat is harmless).
    pub(super) async fn untag_list(&self, list: &PrefixListId, keys: &[String]) -> Written {
        // A tag named by its key alone is deleted whatever its value.
        let keys = keys.iter().map(|k| Tag::builder().key(k).build());
        let request = self.client.delete_tags().resources(list.as_str());
        self.sent("DeleteTags", request.set_tags(Some(keys.collect())).send(), &[]).await
    }

    /// Grows a list to `max_entries`, recording the request on it first
    /// (`tgw-peering:resize`: size, time, version), so that a resize that
    /// fails after AWS accepted it is not asked again at once.
    pub(super) async fn resize_list(
        &self,
        list: &PrefixListId,
        max_entries: usize,
        version: i64,
    ) -> Written {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let record = ResizeRecord { size: max_entries, at, version };
        self.tag_list(list, &[(LEDGER_RESIZE_TAG.to_owned(), record.value())]).await?;
        self.client
            .modify_managed_prefix_list()
            .prefix_list_id(list.as_str())
            .max_entries(i32::try_from(max_entries).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| self.ledger_err("ModifyManagedPrefixList", e))?;
        Ok(Outcome::Done)
    }

    /// Creates a ledger list, tagged as the tool's, with its first 100
    /// entries (a create takes at most 100 too); the rest follow as
    /// modifications of the new list.
    pub(super) async fn create_ledger(
        &self,
        list: NewList<'_>,
        entries: &[LedgerEntry],
    ) -> Written {
        let mut tags = vec![
            (MANAGED_TAG_KEY, MANAGED_TAG_VALUE),
            (LEDGER_TAG_KEY_TAG, list.tag_key),
            (LEDGER_PEER_TAG, list.peer.as_str()),
            (LEDGER_GATEWAY_TAG, list.transit_gateway.as_str()),
        ];
        tags.extend(list.peering.map(|p| (LEDGER_PEERING_TAG, p.as_str())));
        tags.extend(list.segment.map(|s| (crate::domain::SEGMENT_TAG, s.as_str())));
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::PrefixList)
            .set_tags(Some(
                tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build()).collect(),
            ))
            .build();
        let (first, rest) = entries.split_at(entries.len().min(ENTRIES_PER_MODIFY));
        let out = self
            .client
            .create_managed_prefix_list()
            .prefix_list_name(list.name)
            .address_family(list.family.as_str())
            .max_entries(i32::try_from(list.max_entries).unwrap_or(i32::MAX))
            .set_entries(Some(first.iter().map(add_entry).collect()))
            .tag_specifications(spec)
            .send()
            .await
            .map_err(|e| self.ledger_err("CreateManagedPrefixList", e))?;
        let made = out.prefix_list();
        let id = made.and_then(|l| l.prefix_list_id()).unwrap_or_default();
        let id = decode(
            &self.region,
            "CreateManagedPrefixList",
            "a prefix list ID",
            PrefixListId::parse(id),
        )?;
        let version = made.and_then(|l| l.version()).unwrap_or(1);
        self.modify_entries(&id, version, rest, &[]).await?;
        Ok(Outcome::Created(id.to_string()))
    }

    /// Sets tags of a ledger list (`CreateTags` replaces a tag's value).
    pub(super) async fn tag_list(&self, list: &PrefixListId, tags: &[(String, String)]) -> Written {
        let tags = tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let call = self.client.create_tags().resources(list.as_str()).set_tags(Some(tags)).send();
        self.sent("CreateTags", call, &[]).await
    }

    /// Adds and removes entries, 100 each way per request, each request at
    /// the version the one before made.
    pub(super) async fn modify_entries(
        &self,
        list: &PrefixListId,
        version: i64,
        add: &[LedgerEntry],
        remove: &[Cidr],
    ) -> Written {
        let mut version = version;
        let (mut add, mut remove) =
            (add.chunks(ENTRIES_PER_MODIFY), remove.chunks(ENTRIES_PER_MODIFY));
        loop {
            let (a, r) = (add.next().unwrap_or_default(), remove.next().unwrap_or_default());
            if a.is_empty() && r.is_empty() {
                return Ok(Outcome::Done);
            }
            let out = self
                .client
                .modify_managed_prefix_list()
                .prefix_list_id(list.as_str())
                .current_version(version)
                .set_add_entries((!a.is_empty()).then(|| a.iter().map(add_entry).collect()))
                .set_remove_entries((!r.is_empty()).then(|| r.iter().map(remove_entry).collect()))
                .send()
                .await
                .map_err(|e| self.ledger_err("ModifyManagedPrefixList", e))?;
            version = out.prefix_list().and_then(|l| l.version()).unwrap_or(version + 1);
        }
    }

    /// A ledger write's error: a version conflict or a list still busy is
    /// retryable (read again, plan again).
    fn ledger_err<E>(
        &self,
        operation: &'static str,
        e: aws_sdk_ec2::error::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> Error
    where
        E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut err = self.err(operation, e);
        if let Error::Aws { code: Some(code), message, retryable, .. } = &mut err {
            if RETRY_CODES.contains(&code.as_str()) {
                message.push_str(": someone else changed the list, or it is still applying a change; read again and plan again");
                *retryable = true;
            }
        }
        err
    }
}

fn add_entry(e: &LedgerEntry) -> AddPrefixListEntry {
    AddPrefixListEntry::builder().cidr(e.cidr.to_string()).description(&e.description).build()
}

fn remove_entry(c: &Cidr) -> RemovePrefixListEntry {
    RemovePrefixListEntry::builder().cidr(c.to_string()).build()
}
