"""Customer-managed prefix lists, and their references in transit gateway route tables.

moto 5.2.5 edits the version named by a stale `CurrentVersion`, ignores
`MaxEntries`, and clears the name when a modification gives none. Here, after
the API reference (ModifyManagedPrefixList, CreateManagedPrefixList,
GetManagedPrefixListEntries) and the Amazon VPC user guide (managed prefix
lists, https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html,
working with them, .../working-with-managed-prefix-lists.html, and the quotas,
.../amazon-vpc-limits.html):

* "If you specify a current version number that does not match the true
  current version number, the request fails": `PrefixListVersionMismatch`
  ("The prefix list has the incorrect version number."; the code AWS returns,
  matched by the Terraform AWS provider; not found in the API reference's
  error list as far as it could be searched). Changing entries without
  `CurrentVersion` fails with `MissingParameter` (users report AWS requiring it
  although the reference marks it optional; the code is a guess).
* "Adding or removing entries in a prefix list creates a new version ...
  Changing the name of the prefix list does not affect the version"; "Updating
  the name or maximum number of entries ... does not create a new version". The
  version goes up by one per modification of the entries; a modification
  without `PrefixListName` keeps the name.
* "You cannot modify the entries of a prefix list and modify the size of a
  prefix list at the same time" (MaxEntries): `InvalidParameterCombination`
  (code not documented; chosen).
* MaxEntries is enforced: more entries than MaxEntries fails with
  `PrefixListMaxEntriesExceeded` (the reference documents no code; this is the
  one public client code handles; TGW_EMULATOR_PREFIX_LIST_FULL_CODE changes it).
  MaxEntries is 1..1000 ("Maximum number of entries per prefix list: 1,000";
  "You can resize a prefix list ... up to 1000") and can be raised, or lowered
  to no fewer than the current entries, with ModifyManagedPrefixList
  (`InvalidParameterValue` otherwise).
* A resize (MaxEntries) is asynchronous in AWS: the list goes
  `modify-in-progress`, then `modify-complete`, or `modify-failed` ("If any of
  the resources that reference the prefix list cannot support the new maximum
  size, the modify operation fails. Check the state message for the IDs of
  the first ten resources that do not support the new maximum size", API
  reference ModifyManagedPrefixList,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyManagedPrefixList.html;
  "If any of these resources can't support the increased maximum size, the
  modify operation fails and the previous maximum size is restored", VPC user
  guide, Work with customer-managed prefix lists, Modify a prefix list,
  https://docs.aws.amazon.com/vpc/latest/userguide/work-with-cust-managed-prefix-lists.html;
  states and `StateMessage` in the API reference ManagedPrefixList,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ManagedPrefixList.html).
  The emulator models no `modify-in-progress` delay: a modification ends at
  once, and its response and DescribeManagedPrefixLists show the final state.
  A resize that grows the list fails, `modify-failed` with MaxEntries and
  Version unchanged and a `StateMessage` naming up to ten referencing
  resources, when a VPC route table that routes to the list could not take
  the new size (its routes quota, see vpc_routes: those tables are named), or
  when TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE=N (default 0, off) is set and the
  new size is above N (a made-up security group, sg-0123456789abcdef0, is
  named: a list that cannot grow, whatever references it). The wording of the
  message is not documented; it is "The following resources do not support
  the new maximum size: ID, ID". Shrinking never fails so. The request
  itself succeeds (HTTP 200): the failure is the list's state, final for that
  request; the list stays usable, its entries can still be modified (state
  `modify-complete` again, no StateMessage), and a later resize can succeed.
* "A prefix list supports a single type of IP addressing only (IPv4 or IPv6)":
  a CIDR of the other family fails with `InvalidParameterValue`.
* AddEntries, RemoveEntries and Entries take at most 100 items (API
  reference: "Maximum number of 100 items"): `InvalidParameterValue` beyond.
* The name cannot start with `com.amazonaws` (CreateManagedPrefixList).
* Entries keep their `Description`; GetManagedPrefixListEntries pages them
  (MaxResults 1..100, NextToken) and takes `TargetVersion`. At most 1,000
  versions are kept ("If a prefix list has 1,000 stored versions and you add a
  new version, the oldest version is removed").
* DescribeManagedPrefixLists returns the tags and filters `prefix-list-id`,
  `prefix-list-name`, `owner-id` (moto already does) and pages (MaxResults
  1..100, NextToken). An unknown ID fails with `InvalidPrefixListID.NotFound`
  ("The prefix list (pl-…) does not exist.", as AWS words it), and so do Get,
  Modify and Delete. AWS-managed lists cannot be modified or deleted
  (`UnsupportedOperation`; the guide says so, the code is chosen).
* Tags: those of CreateManagedPrefixList's TagSpecifications are held to the
  EC2 tag limits before the list is made (50 tags, keys of 128 characters,
  values of 256; see tags), as CreateTags is for a `pl-` ID.

Transit gateway prefix-list references (moto has none): Create-, Modify-,
Delete- and GetTransitGatewayPrefixListReference(s). "When you create a prefix
list reference in your transit gateway route table, each entry in the prefix
list is represented as a route" (Transit Gateway guide, prefix list
references, https://docs.aws.amazon.com/vpc/latest/tgw/tgw-prefix-lists.html);
SearchTransitGatewayRoutes lists each entry of a referenced list as one route
of `type: propagated` with the list's `PrefixListId` ("View prefix list
references", https://docs.aws.amazon.com/vpc/latest/tgw/view-prefix-list-reference.html;
see routes.listed_routes). The API reference documents no code for a second
reference of one list in one table, nor for a reference that is not there:
`RouteAlreadyExists` and `InvalidPrefixListID.NotFound` are chosen (the
codes of the same cases for a static route and for an unknown list).
"""

import ipaddress

from moto.core.responses import ActionResult
from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable
from moto.ec2.responses.vpcs import VPCs
from moto.utilities.utils import str2bool

from . import common, config, routes, vpc_routes
from .common import error
from .tags import check_new

MAX_ENTRIES = 1000
MAX_PER_REQUEST = 100
MAX_VERSIONS = 1000


def get_prefix_list(backend, prefix_list_id, writable=False):
    prefix_list = backend.managed_prefix_lists.get(prefix_list_id)
    if prefix_list is None or prefix_list.state.startswith("delete"):
        raise error("InvalidPrefixListID.NotFound",
                    f"The prefix list ({prefix_list_id}) does not exist.")
    if writable and prefix_list.owner_id == "AWS":
        raise error("UnsupportedOperation",
                    f"The prefix list {prefix_list_id} is an AWS-managed prefix list "
                    "and cannot be modified or deleted.")
    return prefix_list


def current_entries(prefix_list):
    if prefix_list.version in prefix_list.entries:
        return prefix_list.entries[prefix_list.version]
    return list(prefix_list.entries.values())[-1] if prefix_list.entries else []


def check_max_entries(value):
    if value is None or not 1 <= int(value) <= MAX_ENTRIES:
        raise error("InvalidParameterValue",
                    f"The maximum number of entries must be between 1 and {MAX_ENTRIES}.")
    return int(value)


def check_request_size(items, name):
    if len(items) > MAX_PER_REQUEST:
        raise error("InvalidParameterValue",
                    f"The request can contain at most {MAX_PER_REQUEST} {name}.")


def check_cidr(cidr, family):
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except (TypeError, ValueError):
        raise error("InvalidParameterValue", f"The CIDR '{cidr}' is invalid.")
    if (net.version == 4) != (family == "IPv4"):
        raise error("InvalidParameterValue",
                    f"The CIDR '{cidr}' does not match the address family {family} "
                    "of the prefix list.")
    return str(net)


def too_many(count, max_entries):
    return error(config.PREFIX_LIST_FULL_CODE,
                 f"The prefix list would have {count} entries, more than its "
                 f"maximum of {max_entries}.")


def edit_entries(entries, remove, add, family):
    """Removals first, then additions; adding a CIDR again replaces its entry."""
    gone = {check_cidr(r.get("Cidr"), family) for r in remove}
    result = [e for e in entries if check_cidr(e["Cidr"], family) not in gone]
    for entry in add:
        cidr = check_cidr(entry.get("Cidr"), family)
        result = [e for e in result if check_cidr(e["Cidr"], family) != cidr]
        new = {"Cidr": entry.get("Cidr")}
        if entry.get("Description") is not None:
            new["Description"] = entry["Description"]
        result.append(new)
    return result


@common.locked
def create_managed_prefix_list(self):
    family = self._get_param("AddressFamily")
    name = self._get_param("PrefixListName")
    entries = self._get_param("Entries", [])
    if family not in ("IPv4", "IPv6"):
        raise error("InvalidParameterValue", f"The address family '{family}' is invalid.")
    max_entries = check_max_entries(self._get_param("MaxEntries"))
    if name and name.startswith("com.amazonaws"):
        raise error("InvalidParameterValue", "The prefix list name cannot start with com.amazonaws.")
    check_request_size(entries, "entries")
    entries = edit_entries([], [], entries, family)
    if len(entries) > max_entries:
        raise too_many(len(entries), max_entries)
    tags = self._parse_tag_specification().get("prefix-list", {})
    check_new(tags)
    prefix_list = self.ec2_backend.create_managed_prefix_list(
        address_family=family,
        entry=entries,
        max_entries=max_entries,
        prefix_list_name=name,
        tags=tags,
    )
    prefix_list.version = 1
    prefix_list.entries = {1: entries}
    return ActionResult({"PrefixList": prefix_list})


@common.locked
def modify_managed_prefix_list(self):
    prefix_list = get_prefix_list(self.ec2_backend, self._get_param("PrefixListId"), writable=True)
    add = self._get_param("AddEntries", [])
    remove = self._get_param("RemoveEntries", [])
    max_entries = self._get_param("MaxEntries")
    version = self._get_param("CurrentVersion")
    name = self._get_param("PrefixListName")
    changes_entries = bool(add or remove)
    if max_entries is not None and changes_entries:
        raise error("InvalidParameterCombination",
                    "You cannot modify the entries of a prefix list and modify the size "
                    "of a prefix list at the same time.")
    check_request_size(add, "entries to add")
    check_request_size(remove, "entries to remove")
    if changes_entries and version is None:
        raise error("MissingParameter", "The request must contain the parameter CurrentVersion.")
    if version is not None and int(version) != prefix_list.version:
        raise error("PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
    if name and name.startswith("com.amazonaws"):
        raise error("InvalidParameterValue", "The prefix list name cannot start with com.amazonaws.")
    entries = current_entries(prefix_list)
    if changes_entries:
        entries = edit_entries(entries, remove, add, prefix_list.address_family)
        if len(entries) > int(prefix_list.max_entries):
            raise too_many(len(entries), prefix_list.max_entries)
    refusing = []
    if max_entries is not None:
        max_entries = check_max_entries(max_entries)
        if max_entries < len(entries):
            raise error("InvalidParameterValue",
                        f"The prefix list has {len(entries)} entries, more than {max_entries}.")
        refusing = resize_refused_by(self.ec2_backend, prefix_list, max_entries)
        if not refusing:
            prefix_list.max_entries = max_entries
    if name:
        prefix_list.prefix_list_name = name
    if changes_entries:
        prefix_list.version += 1
        prefix_list.entries[prefix_list.version] = entries
        while len(prefix_list.entries) > MAX_VERSIONS:
            del prefix_list.entries[min(prefix_list.entries)]
    if refusing:
        # The previous maximum size stays; the failure is the list's state.
        prefix_list.state = "modify-failed"
        prefix_list.state_message = (
            "The following resources do not support the new maximum size: "
            + ", ".join(refusing[:10]))
    else:
        prefix_list.state = "modify-complete"
        prefix_list.state_message = None
    return ActionResult({"PrefixList": prefix_list})


MADE_UP_REFERENCE = "sg-0123456789abcdef0"


def resize_refused_by(backend, prefix_list, max_entries):
    """The IDs of the resources referencing `prefix_list` that cannot take
    `max_entries`: VPC route tables past their routes quota, and the made-up
    one of TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE. Only growth can fail."""
    if max_entries <= int(prefix_list.max_entries):
        return []
    refusing = vpc_routes.tables_refusing(backend, prefix_list, max_entries)
    limit = config.PREFIX_LIST_MAX_RESIZE
    if limit and max_entries > limit:
        refusing.append(MADE_UP_REFERENCE)
    return refusing


def get_managed_prefix_list_entries(self):
    prefix_list_id = self._get_param("PrefixListId")
    prefix_list = get_prefix_list(self.ec2_backend, prefix_list_id)
    target = self._get_param("TargetVersion")
    if target is None:
        entries = current_entries(prefix_list)
    elif int(target) in prefix_list.entries:
        entries = prefix_list.entries[int(target)]
    else:
        raise error("InvalidParameterValue",
                    f"Version {target} does not exist for prefix list {prefix_list_id}.")
    page, token = common.paginate(
        list(entries), f"entries:{prefix_list_id}:{target}", self._get_param("MaxResults"),
        self._get_param("NextToken"), 1, 100,
    )
    result = {"Entries": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def describe_managed_prefix_lists(self):
    backend = self.ec2_backend
    ids = self._get_param("PrefixListIds", [])
    for prefix_list_id in ids:
        get_prefix_list(backend, prefix_list_id)
    lists = backend.describe_managed_prefix_lists(
        prefix_list_ids=ids, filters=self._filters_from_querystring())
    page, token = common.paginate(
        lists, "prefix-lists", self._get_param("MaxResults"),
        self._get_param("NextToken"), 1, 100,
    )
    result = {"PrefixLists": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


@common.locked
def delete_managed_prefix_list(self):
    prefix_list_id = self._get_param("PrefixListId")
    get_prefix_list(self.ec2_backend, prefix_list_id, writable=True)
    return ActionResult({"PrefixList": self.ec2_backend.delete_managed_prefix_list(prefix_list_id)})


# --- transit gateway prefix-list references --------------------------------


def _reference_out(table, reference):
    targets = reference["transitGatewayAttachments"]
    out = {
        "TransitGatewayRouteTableId": table.id,
        "PrefixListId": reference["prefixListId"],
        "PrefixListOwnerId": reference["_owner"],
        "State": "available",
        # A reference whose attachment was deleted drops traffic, as a
        # static route toward it does (routes.blackhole_routes_to).
        "Blackhole": reference["_blackhole"] or reference.get("state") == "blackhole",
    }
    if targets:
        out["TransitGatewayAttachment"] = {
            "TransitGatewayAttachmentId": targets[0]["transitGatewayAttachmentId"],
            "ResourceType": targets[0]["resourceType"],
            "ResourceId": targets[0]["resourceId"],
        }
    return out


def _set_target(backend, reference, attachment_id, blackhole):
    reference["_blackhole"] = blackhole
    reference["transitGatewayAttachments"] = []
    reference["state"] = "blackhole" if blackhole else "active"
    if not blackhole:
        attachment = common.get_attachment(backend, attachment_id)
        if attachment.state != "available":
            raise common.incorrect_state(attachment)
        reference["transitGatewayAttachments"] = [common.route_target(backend, attachment)]


def _reference_params(self, writable=False):
    backend = self.ec2_backend
    common.advance_backend(backend)
    table = common.get_table(backend, self._get_param("TransitGatewayRouteTableId"), writable)
    prefix_list_id = self._get_param("PrefixListId")
    return backend, table, prefix_list_id, routes.prefix_references(table)


@common.locked
def create_transit_gateway_prefix_list_reference(self):
    backend, table, prefix_list_id, references = _reference_params(self, writable=True)
    prefix_list = get_prefix_list(backend, prefix_list_id)
    if prefix_list_id in references:
        raise error("RouteAlreadyExists",
                    f"Prefix list reference {prefix_list_id} already exists in Transit Gateway "
                    f"Route Table {table.id}")
    reference = {"prefixListId": prefix_list_id, "type": "static", "_owner": prefix_list.owner_id}
    _set_target(backend, reference, self._get_param("TransitGatewayAttachmentId"),
                bool(str2bool(self._get_param("Blackhole"))))
    references[prefix_list_id] = reference
    return ActionResult({"TransitGatewayPrefixListReference": _reference_out(table, reference)})


def _existing_reference(table, prefix_list_id, references):
    if prefix_list_id not in references:
        raise error("InvalidPrefixListID.NotFound",
                    f"The prefix list ({prefix_list_id}) is not referenced in Transit Gateway "
                    f"Route Table {table.id}.")
    return references[prefix_list_id]


@common.locked
def modify_transit_gateway_prefix_list_reference(self):
    backend, table, prefix_list_id, references = _reference_params(self, writable=True)
    reference = _existing_reference(table, prefix_list_id, references)
    _set_target(backend, reference, self._get_param("TransitGatewayAttachmentId"),
                bool(str2bool(self._get_param("Blackhole"))))
    return ActionResult({"TransitGatewayPrefixListReference": _reference_out(table, reference)})


@common.locked
def delete_transit_gateway_prefix_list_reference(self):
    _, table, prefix_list_id, references = _reference_params(self)
    reference = _existing_reference(table, prefix_list_id, references)
    del references[prefix_list_id]
    out = _reference_out(table, reference)
    out["State"] = "deleting"
    return ActionResult({"TransitGatewayPrefixListReference": out})


def get_transit_gateway_prefix_list_references(self):
    _, table, _, references = _reference_params(self)
    items = [_reference_out(table, r) for r in references.values()]
    page, token = common.paginate(
        items, f"references:{table.id}", self._get_param("MaxResults"),
        self._get_param("NextToken"), 5, 1000,
    )
    result = {"TransitGatewayPrefixListReferences": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def apply():
    VPCs.create_managed_prefix_list = create_managed_prefix_list
    VPCs.modify_managed_prefix_list = modify_managed_prefix_list
    VPCs.get_managed_prefix_list_entries = get_managed_prefix_list_entries
    VPCs.describe_managed_prefix_lists = describe_managed_prefix_lists
    VPCs.delete_managed_prefix_list = delete_managed_prefix_list
    table = TransitGatewayRouteTable
    table.create_transit_gateway_prefix_list_reference = create_transit_gateway_prefix_list_reference
    table.modify_transit_gateway_prefix_list_reference = modify_transit_gateway_prefix_list_reference
    table.delete_transit_gateway_prefix_list_reference = delete_transit_gateway_prefix_list_reference
    table.get_transit_gateway_prefix_list_references = get_transit_gateway_prefix_list_references
