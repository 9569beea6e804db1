//! The world's EC2 API: every read of the port, and every write, applied to
//! the world's state as AWS would (a repeat is `AlreadyDone`, a stale
//! prefix-list version is refused, a deleted peering's routes become
//! blackholes).

use async_trait::async_trait;
use tgw_peering_core::domain::{
    AccountId, Association, AttachmentId, AttachmentKind, Cidr, LedgerList, ListDeployment,
    ListReference, PeeringAttachment, PeeringState, PrefixListId, ResizeRecord, RouteTableId,
    RouteTarget, TgwAttachment, TgwRoute, TgwRouteTable, TgwState, TransitGateway,
    TransitGatewayId, Vpc, VpcListRoute, VpcRoute, VpcRouteTable, VpcRouteTableId, VpcRouteTarget,
    CREATE_ROUTE_ORIGIN, ISOLATED_REFERENCE, LEDGER_GATEWAY_TAG, LEDGER_ISOLATED_PREFIX,
    LEDGER_LEFT_PREFIX, LEDGER_PEERING_TAG, LEDGER_RESIZE_TAG,
};
use tgw_peering_core::planner::{Action, LedgerEntry, ListRef};
use tgw_peering_core::ports::{Ec2Reads, Ec2Region, Outcome, WorkloadVpcs};
use tgw_peering_core::Error;

use super::world::{blackhole, RegionView, State, WorkloadView};
use super::ACCOUNT;

#[async_trait]
impl Ec2Reads for RegionView {
    fn region(&self) -> &tgw_peering_core::domain::Region {
        &self.region
    }

    async fn account(&self) -> Result<AccountId, Error> {
        Ok(self.with(|s, r| {
            s.regions[r].account.clone().unwrap_or_else(|| AccountId::parse(ACCOUNT).unwrap())
        }))
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        Ok(self.read(|_, rs| rs.transit_gateways.clone()))
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        // The Region's own VPCs: a workload account's are listed only by it,
        // or, shared into the account, without its tags (as AWS lists them).
        Ok(self.read(|s, rs| {
            let own = |v: &&Vpc| v.owner.is_none() || v.owner == rs.account;
            let shared = rs.vpcs.iter().filter(|v| !own(v) && s.shared.contains(&v.id));
            let shared = shared.map(|v| Vpc { tags: Default::default(), ..v.clone() });
            rs.vpcs.iter().filter(own).cloned().chain(shared).collect()
        }))
    }

    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        let region = self.region.clone();
        Ok(self.read(|s, _| {
            s.peerings
                .iter()
                .filter(|p| p.states.contains_key(&region))
                .map(|p| {
                    // Each Region reports only its own view of the state.
                    let mut p = p.clone();
                    p.states.retain(|r, _| *r == region);
                    p
                })
                .collect()
        }))
    }

    async fn attachments(&self, _: &TransitGatewayId) -> Result<Vec<TgwAttachment>, Error> {
        let region = self.region.clone();
        Ok(self.read(|s, rs| {
            let tables: Vec<_> = rs.route_table.iter().chain(&rs.segment_tables).collect();
            // `DescribeTransitGatewayAttachments` carries no options.
            let mut all: Vec<_> = rs
                .attachments
                .iter()
                .map(|a| TgwAttachment { ipv6_support: None, ..a.clone() })
                .collect();
            for p in s.peerings.iter().filter(|p| p.states.contains_key(&region)) {
                let table = tables.iter().find(|t| t.associations.contains(&p.id));
                all.push(TgwAttachment {
                    id: p.id.clone(),
                    kind: AttachmentKind::Peering,
                    resource_id: p.accepter.transit_gateway_id.to_string(),
                    owner: p.accepter.account_id.clone(),
                    state: p.states[&region].as_str().into(),
                    association: table.map(|t| Association {
                        route_table_id: t.id.clone(),
                        state: "associated".into(),
                    }),
                    ipv6_support: None,
                });
            }
            all
        }))
    }

    async fn ipv6_support(
        &self,
        attachments: &[AttachmentId],
    ) -> Result<std::collections::BTreeMap<AttachmentId, bool>, Error> {
        // `DescribeTransitGatewayVpcAttachments`: VPC attachments only.
        Ok(self.read(|_, rs| {
            rs.attachments
                .iter()
                .filter(|a| a.kind == AttachmentKind::Vpc && attachments.contains(&a.id))
                .map(|a| (a.id.clone(), a.ipv6_support.unwrap_or(false)))
                .collect()
        }))
    }

    async fn route_tables(&self, _: &TransitGatewayId) -> Result<Vec<TgwRouteTable>, Error> {
        // The managed table, `available`, unless the test set the tables.
        Ok(self.read(|_, rs| {
            rs.route_tables.clone().unwrap_or_else(|| {
                let tgw = rs.transit_gateways.first().map(|g| g.id.clone());
                rs.route_table
                    .iter()
                    .zip(tgw)
                    .map(|(t, tgw)| TgwRouteTable {
                        id: t.id.clone(),
                        transit_gateway_id: tgw,
                        state: TgwState::Available,
                        tags: std::collections::BTreeMap::new(),
                    })
                    .collect()
            })
        }))
    }

    async fn routes(&self, table: &RouteTableId) -> Result<Vec<TgwRoute>, Error> {
        if self.with(|s, r| s.partial.contains(r)) {
            return Err(Error::PartialRead {
                region: self.region.clone(),
                operation: "SearchTransitGatewayRoutes",
                message: "1000 routes, and AdditionalRoutesAvailable without a NextToken".into(),
            });
        }
        Ok(self.read(|_, rs| rs.table(table).map(|t| t.routes.clone()).unwrap_or_default()))
    }

    async fn ledger(&self) -> Result<tgw_peering_core::domain::LedgerRead, Error> {
        // The tool's lists; the count as the world says, else theirs.
        Ok(self.read(|_, rs| tgw_peering_core::domain::LedgerRead {
            lists: rs.ledger.clone(),
            customer_lists: rs.customer_lists.unwrap_or(rs.ledger.len()),
        }))
    }

    async fn prefix_list_references(
        &self,
        table: &RouteTableId,
    ) -> Result<Vec<ListReference>, Error> {
        Ok(self.read(|_, rs| rs.table(table).map(|t| t.references.clone()).unwrap_or_default()))
    }

    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        Ok(self.read(|_, rs| rs.vpc_route_tables.clone().unwrap_or_default()))
    }
}

#[async_trait]
impl Ec2Region for RegionView {
    async fn record_paths(
        &self,
        table: &RouteTableId,
        set: &std::collections::BTreeMap<String, String>,
        unset: &[String],
    ) -> Result<(), Error> {
        // CreateTags and DeleteTags on the table, as AWS keeps them: read
        // back by DescribeTransitGatewayRouteTables.
        // (Listed as the read lists them, without counting a read.)
        let reads = self.with(|s, _| s.reads);
        let listed = self.route_tables(&TransitGatewayId::parse("tgw-0").unwrap()).await?;
        self.with(|s, r| {
            s.reads = reads;
            let rs = s.regions.get_mut(r).expect("the Region");
            let tables = rs.route_tables.get_or_insert(listed);
            let Some(t) = tables.iter_mut().find(|t| &t.id == table) else {
                return Err(Error::Internal { message: format!("no table {table}"), source: None });
            };
            t.tags.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
            t.tags.retain(|k, _| !unset.contains(k));
            s.path_records += 1;
            Ok(())
        })
    }

    async fn apply(&self, action: &Action) -> Result<Outcome, Error> {
        let delay = self.with(|s, _| s.write_delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.with(|s, r| {
            s.writes.push(write_line(action, r));
            match action {
                Action::CreatePeering { requester, accepter } => Ok(Outcome::Created(
                    create_peering(s, r, &requester.transit_gateway_id, accepter).to_string(),
                )),
                Action::AcceptPeering { attachment_id, .. } => accept(s, r, attachment_id),
                Action::DeletePeering { attachment_id, .. } => {
                    s.peerings.retain(|p| &p.id != attachment_id);
                    for state in s.regions.values_mut() {
                        if let Some(table) = state.route_table.as_mut() {
                            blackhole(table, attachment_id);
                        }
                    }
                    Ok(Outcome::Done)
                }
                _ => route_or_ledger(s, r, action),
            }
        })
    }
}

/// The line `writes()` records for an action (the tests compare them).
fn write_line(action: &Action, r: &tgw_peering_core::domain::Region) -> String {
    match action {
        Action::CreatePeering { .. } => format!("create_peering {r}"),
        Action::AcceptPeering { attachment_id, .. } => format!("accept {r} {attachment_id}"),
        Action::DeletePeering { attachment_id, .. } => {
            format!("delete_peering {r} {attachment_id}")
        }
        Action::AssociateRouteTable { attachment_id, .. } => {
            format!("associate {r} {attachment_id}")
        }
        Action::CreateRoute { cidr, .. } => format!("create_route {r} {cidr}"),
        Action::DeleteRoute { cidr, .. } => format!("delete_route {r} {cidr}"),
        Action::CreateVpcRoute { route_table_id, cidr, .. } => {
            format!("create_vpc_route {r} {route_table_id} {cidr}")
        }
        Action::DeleteVpcRoute { route_table_id, cidr, .. } => {
            format!("delete_vpc_route {r} {route_table_id} {cidr}")
        }
        other => format!("{} {r}", other.kind()),
    }
}

fn create_peering(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    requester: &TransitGatewayId,
    accepter: &tgw_peering_core::domain::GatewayRef,
) -> tgw_peering_core::domain::AttachmentId {
    let rival = s.rival.take();
    let owner = s.regions[r].transit_gateways[0].owner_id.clone();
    let create = |s: &mut State| {
        s.next += 1;
        let id =
            tgw_peering_core::domain::AttachmentId::parse(&format!("tgw-attach-0{:016x}", s.next))
                .unwrap();
        let states = [r.clone(), accepter.region.clone()]
            .into_iter()
            .map(|r| (r, PeeringState::InitiatingRequest))
            .collect();
        s.peerings.push(PeeringAttachment {
            id: id.clone(),
            requester: tgw_peering_core::domain::GatewayRef {
                region: r.clone(),
                transit_gateway_id: requester.clone(),
                account_id: owner.clone(),
            },
            accepter: accepter.clone(),
            states,
            created_at: Some(i64::from(s.next)),
            tags: tgw_peering_core::domain::peering_tags(r, &accepter.region).into_iter().collect(),
        });
        id
    };
    if rival == Some(true) {
        create(s);
    }
    let id = create(s);
    if rival == Some(false) {
        create(s);
    }
    if let Some(last) = s.writes.last_mut() {
        last.push_str(&format!(" {id}"));
    }
    id
}

fn accept(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    a: &tgw_peering_core::domain::AttachmentId,
) -> Result<Outcome, Error> {
    let p = s.peerings.iter_mut().find(|p| &p.id == a).unwrap();
    match p.state() {
        PeeringState::PendingAcceptance => {
            for v in p.states.values_mut() {
                *v = PeeringState::Pending;
            }
            Ok(Outcome::Done)
        }
        PeeringState::Pending | PeeringState::Available => {
            Ok(Outcome::AlreadyDone("already accepted".into()))
        }
        other => Err(Error::aws(
            r.clone(),
            "AcceptTransitGatewayPeeringAttachment",
            Some("IncorrectState"),
            format!("the attachment is {other}"),
            false,
        )),
    }
}

fn route_or_ledger(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    action: &Action,
) -> Result<Outcome, Error> {
    let refused = || {
        Error::aws(
            r.clone(),
            "CreateTransitGatewayRoute",
            Some("InvalidParameterValue"),
            "the route table refuses the route",
            false,
        )
    };
    match action {
        Action::AssociateRouteTable { attachment_id, route_table_id, .. } => {
            let t = tgw_table_mut(s, r, route_table_id);
            Ok(if t.associations.insert(attachment_id.clone()) {
                Outcome::Done
            } else {
                Outcome::AlreadyDone("already associated".into())
            })
        }
        Action::DisassociateRouteTable { attachment_id, route_table_id, .. } => {
            let t = tgw_table_mut(s, r, route_table_id);
            t.associations.remove(attachment_id);
            Ok(Outcome::Done)
        }
        Action::CreateRoute { cidr, attachment_id, route_table_id, .. }
        | Action::ReplaceRoute { cidr, attachment_id, route_table_id, .. } => {
            if s.refuse_routes {
                return Err(refused());
            }
            let replace = matches!(action, Action::ReplaceRoute { .. });
            let t = tgw_table_mut(s, r, route_table_id);
            let existing = t.routes.iter().position(|x| x.cidr == *cidr && x.is_static());
            match (existing, replace) {
                (Some(_), false) => Ok(Outcome::AlreadyDone("RouteAlreadyExists".into())),
                (None, true) => Err(Error::aws(
                    r.clone(),
                    "ReplaceTransitGatewayRoute",
                    Some("InvalidRoute.NotFound"),
                    "no such route",
                    false,
                )),
                (i, _) => {
                    if let Some(i) = i {
                        t.routes.remove(i);
                    }
                    t.routes.push(TgwRoute::static_to(
                        *cidr,
                        RouteTarget::Attachment(attachment_id.clone()),
                    ));
                    Ok(Outcome::Done)
                }
            }
        }
        Action::DeleteRoute { cidr, route_table_id, .. }
        | Action::RetireRoute { cidr, route_table_id, .. } => {
            let t = tgw_table_mut(s, r, route_table_id);
            let before = t.routes.len();
            t.routes.retain(|x| !(x.cidr == *cidr && x.is_static()));
            Ok(if t.routes.len() < before {
                Outcome::Done
            } else {
                Outcome::AlreadyDone("InvalidRoute.NotFound".into())
            })
        }
        Action::CreateVpcRoute { .. }
        | Action::DeleteVpcRoute { .. }
        | Action::RetireVpcRoute { .. } => vpc_route(s, r, action),
        Action::CreateReference { .. }
        | Action::ModifyReference { .. }
        | Action::DeleteReference { .. } => reference(s, r, action),
        Action::CreateVpcListRoute { .. } | Action::DeleteVpcListRoute { .. } => {
            vpc_list_route(s, r, action)
        }
        _ => ledger(s, r, action),
    }
}

/// Route table `id` of Region `r`: the managed one or a segment's.
fn tgw_table_mut<'a>(
    s: &'a mut State,
    r: &tgw_peering_core::domain::Region,
    id: &RouteTableId,
) -> &'a mut tgw_peering_core::observed::RouteTableState {
    let state = s.regions.get_mut(r).unwrap();
    state.route_table.iter_mut().chain(&mut state.segment_tables).find(|t| &t.id == id).unwrap()
}

/// A prefix-list reference written as AWS does: available at once here,
/// a repeat is `AlreadyDone`.
fn reference(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    action: &Action,
) -> Result<Outcome, Error> {
    let table = match action {
        Action::CreateReference { route_table_id, .. }
        | Action::ModifyReference { route_table_id, .. }
        | Action::DeleteReference { route_table_id, .. } => route_table_id,
        other => panic!("not a reference write: {other:?}"),
    };
    let t = tgw_table_mut(s, r, table);
    match action {
        Action::CreateReference { prefix_list: ListRef::Id(id), attachment_id, .. } => {
            if t.references.iter().any(|x| &x.prefix_list_id == id) {
                return Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()));
            }
            t.references.push(ListReference {
                prefix_list_id: id.clone(),
                target: RouteTarget::Attachment(attachment_id.clone()),
                state: "available".into(),
                former_target: None,
            });
            Ok(Outcome::Done)
        }
        Action::ModifyReference { prefix_list_id, attachment_id, .. } => {
            for x in t.references.iter_mut().filter(|x| &x.prefix_list_id == prefix_list_id) {
                x.target = RouteTarget::Attachment(attachment_id.clone());
            }
            Ok(Outcome::Done)
        }
        Action::DeleteReference { prefix_list_id, .. } => {
            t.references.retain(|x| &x.prefix_list_id != prefix_list_id);
            Ok(Outcome::Done)
        }
        other => panic!("not a reference write with a known list: {other}"),
    }
}

fn vpc_route(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    action: &Action,
) -> Result<Outcome, Error> {
    let (rt, cidr) = match action {
        Action::CreateVpcRoute { route_table_id, cidr, .. }
        | Action::DeleteVpcRoute { route_table_id, cidr, .. }
        | Action::RetireVpcRoute { route_table_id, cidr, .. } => (route_table_id, cidr),
        _ => unreachable!("a VPC route write"),
    };
    let Some(table) = vpc_table_mut(s, r, rt) else {
        return Err(Error::Input(format!("no VPC route table {rt} in this world")));
    };
    let existing = table.routes.iter().position(|x| x.cidr == *cidr);
    match (action, existing) {
        (Action::CreateVpcRoute { .. }, Some(_)) => {
            Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()))
        }
        (Action::CreateVpcRoute { transit_gateway_id, .. }, None) => {
            table.routes.push(VpcRoute {
                cidr: *cidr,
                target: VpcRouteTarget::TransitGateway(transit_gateway_id.clone()),
                origin: CREATE_ROUTE_ORIGIN.to_owned(),
                state: "active".into(),
            });
            Ok(Outcome::Done)
        }
        (_, Some(i)) => {
            table.routes.remove(i);
            Ok(Outcome::Done)
        }
        (_, None) => Ok(Outcome::AlreadyDone("InvalidRoute.NotFound".into())),
    }
}

/// A VPC route toward a prefix list, as AWS writes it: one per list.
fn vpc_list_route(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    action: &Action,
) -> Result<Outcome, Error> {
    match action {
        Action::CreateVpcListRoute {
            route_table_id,
            prefix_list: ListRef::Id(list),
            transit_gateway_id,
            ..
        } => {
            let table = vpc_table_mut(s, r, route_table_id).expect("a VPC route table");
            if table.list_route(list).is_some() {
                return Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()));
            }
            table.list_routes.push(VpcListRoute {
                prefix_list_id: list.clone(),
                target: VpcRouteTarget::TransitGateway(transit_gateway_id.clone()),
                origin: CREATE_ROUTE_ORIGIN.to_owned(),
                state: "active".into(),
            });
            Ok(Outcome::Done)
        }
        Action::DeleteVpcListRoute { route_table_id, prefix_list_id, .. } => {
            let table = vpc_table_mut(s, r, route_table_id).expect("a VPC route table");
            table.list_routes.retain(|x| &x.prefix_list_id != prefix_list_id);
            Ok(Outcome::Done)
        }
        other => panic!("not a VPC list route write with a known list: {other}"),
    }
}

fn vpc_table_mut<'a>(
    s: &'a mut State,
    r: &tgw_peering_core::domain::Region,
    rt: &VpcRouteTableId,
) -> Option<&'a mut VpcRouteTable> {
    s.regions.get_mut(r)?.vpc_route_tables.as_mut()?.iter_mut().find(|t| &t.id == rt)
}

/// The ledger writes, as AWS applies them: a stale version is refused, and
/// so are more entries than the list holds.
fn ledger(
    s: &mut State,
    r: &tgw_peering_core::domain::Region,
    action: &Action,
) -> Result<Outcome, Error> {
    let lists = &mut s.regions.get_mut(r).unwrap().ledger;
    match action {
        Action::CreateLedger {
            name,
            entries,
            max_entries,
            peer,
            family,
            tag_key,
            peering,
            transit_gateway,
            segment,
            ..
        } => {
            let id = PrefixListId::parse(&format!("pl-{:08x}", lists.len() + 0xa0)).unwrap();
            lists.push(LedgerList {
                id: id.clone(),
                name: name.clone(),
                peer: peer.clone(),
                family: *family,
                tag_key: tag_key.clone(),
                version: 1,
                max_entries: *max_entries,
                state: "create-complete".into(),
                entries: entries.iter().map(|e| (e.cidr, e.description.clone())).collect(),
                deployment: ListDeployment::Gateway(transit_gateway.clone()),
                peering: peering.clone(),
                isolated: Default::default(),
                left: Default::default(),
                state_message: None,
                resize: None,
                segment: segment.as_ref().map(ToString::to_string),
                tag_count: 4 + usize::from(peering.is_some()) + usize::from(segment.is_some()),
            });
            Ok(Outcome::Created(id.to_string()))
        }
        Action::TagLedger { prefix_list_id, tags, .. } => {
            let list = lists.iter_mut().find(|l| &l.id == prefix_list_id).unwrap();
            for (k, v) in tags {
                tag_list(list, k, Some(v));
            }
            Ok(Outcome::Done)
        }
        Action::UntagLedger { prefix_list_id, keys, .. } => {
            let list = lists.iter_mut().find(|l| &l.id == prefix_list_id).unwrap();
            for k in keys {
                tag_list(list, k, None);
            }
            Ok(Outcome::Done)
        }
        Action::RecordPeering { prefix_list_id, peering, left, .. } => {
            let list = lists.iter_mut().find(|l| &l.id == prefix_list_id).unwrap();
            tag_list(list, LEDGER_PEERING_TAG, Some(peering.as_str()));
            for k in left {
                tag_list(list, k, Some("true"));
            }
            Ok(Outcome::Done)
        }
        Action::ResizeLedger { prefix_list_id, max_entries, .. } => {
            let list = lists.iter_mut().find(|l| &l.id == prefix_list_id).unwrap();
            list.max_entries = *max_entries;
            Ok(Outcome::Done)
        }
        Action::UpdateLedger { prefix_list_id, version, add, remove, .. } => {
            modify(lists, r, prefix_list_id, *version, add, remove)
        }
        Action::ReleaseLedger { prefix_list_id, version, remove, .. } => {
            modify(lists, r, prefix_list_id, *version, &[], remove)
        }
        other => Err(Error::Internal {
            message: format!("{} is not a ledger write", other.kind()),
            source: None,
        }),
    }
}

/// One tag of a list set (`Some`) or removed, as the records read it back.
fn tag_list(list: &mut LedgerList, key: &str, value: Option<&str>) {
    let had = match key {
        LEDGER_GATEWAY_TAG => {
            let had = list.deployment != ListDeployment::Unrecorded;
            list.deployment = value.map_or(ListDeployment::Unrecorded, |v| {
                ListDeployment::Gateway(TransitGatewayId::parse(v).unwrap())
            });
            had
        }
        LEDGER_PEERING_TAG => {
            let had = list.peering.is_some();
            list.peering = value.map(|v| AttachmentId::parse(v).unwrap());
            had
        }
        LEDGER_RESIZE_TAG => {
            let had = list.resize.is_some();
            list.resize = value.and_then(ResizeRecord::parse);
            had
        }
        k => {
            let (record, suffix) = match (
                k.strip_prefix(LEDGER_ISOLATED_PREFIX),
                k.strip_prefix(LEDGER_LEFT_PREFIX),
            ) {
                (Some(s), _) => (&mut list.isolated, s),
                (_, Some(s)) => (&mut list.left, s),
                _ => panic!("not a ledger record tag: {k}"),
            };
            let what = (suffix != ISOLATED_REFERENCE).then(|| Cidr::parse(suffix).unwrap());
            let had = record.contains(&what);
            match (what, value.is_some()) {
                (Some(c), true) => {
                    record.cidrs.insert(c);
                }
                (Some(c), false) => {
                    record.cidrs.remove(&c);
                }
                (None, set) => record.reference = set,
            }
            had
        }
    };
    match (had, value.is_some()) {
        (false, true) => list.tag_count += 1,
        (true, false) => list.tag_count -= 1,
        _ => {}
    }
}

/// `ModifyManagedPrefixList` of entries at `version`.
fn modify(
    lists: &mut [LedgerList],
    r: &tgw_peering_core::domain::Region,
    id: &PrefixListId,
    version: i64,
    add: &[LedgerEntry],
    remove: &[Cidr],
) -> Result<Outcome, Error> {
    let refused = |code: &str, message: String| {
        Err(Error::aws(r.clone(), "ModifyManagedPrefixList", Some(code), message, true))
    };
    let list = lists.iter_mut().find(|l| &l.id == id).unwrap();
    if list.version != version {
        return refused(
            "PrefixListVersionMismatch",
            format!("{id} is at version {}", list.version),
        );
    }
    let size =
        list.entries.len() + add.iter().filter(|e| !list.entries.contains_key(&e.cidr)).count();
    if size.saturating_sub(remove.len()) > list.max_entries {
        return refused(
            "PrefixListMaxEntriesExceeded",
            format!("{id} holds {} entries", list.max_entries),
        );
    }
    for c in remove {
        list.entries.remove(c);
    }
    for e in add {
        list.entries.insert(e.cidr, e.description.clone());
    }
    list.version += 1;
    Ok(Outcome::Done)
}

#[async_trait]
impl WorkloadVpcs for WorkloadView {
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        if self.view.with(|s, _| s.denied.contains(&self.account)) {
            return Err(Error::aws(
                self.view.region.clone(),
                "AssumeRole",
                Some("AccessDenied"),
                format!("not authorized to perform sts:AssumeRole in account {}", self.account),
                false,
            ));
        }
        Ok(self.view.read(|_, rs| {
            rs.vpcs.iter().filter(|v| v.owner.as_ref() == Some(&self.account)).cloned().collect()
        }))
    }
}
