"""What the patches share: client errors, the timed phases of attachments,
transit gateways, route tables and CIDR blocks (advanced lazily, when
something reads them), the backends of
every account and Region, each side's view of an attachment, route table
associations, filters and pagination tokens.

moto keeps one EC2 backend per (account, Region). A peering attachment is a
single Python object listed in both the requester's and the accepter's
backend, so whatever differs by side (the local transit gateway, the
association) is computed per backend here, never stored on the object.
"""

import base64
import fnmatch
import functools
import json
import threading
import time

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachment
from moto.ec2.models.transit_gateway_route_tables import RouteTableAssociation

from . import config


def error(code, message):
    """A client error: HTTP 400 with the EC2 error code `code`."""
    return EC2ClientError(code, message)


# moto_server answers requests on several threads; the patched calls that
# check, then change (a duplicate route, a second peering, a version) hold
# this lock so that two concurrent requests cannot both pass the check.
LOCK = threading.RLock()


def locked(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with LOCK:
            return function(*args, **kwargs)
    return wrapper


# --- backends -------------------------------------------------------------


def backends():
    """Every EC2 backend created so far (one per account and Region used)."""
    return [backend for _, _, backend in ec2_backends.iter_backends()]


def backend_of(account_id, region):
    for account, name, backend in ec2_backends.iter_backends():
        if account == account_id and name == region:
            return backend
    return None


# --- timed phases ---------------------------------------------------------

# Hooks called with an attachment when it reaches `available`.
ON_AVAILABLE = []

# The state after each timed one: attachments (initiatingRequest, pending),
# transit gateways (modifying) and route tables (pending).
_NEXT = {"initiatingRequest": "pendingAcceptance", "pending": "available",
         "modifying": "available"}


def start_phase(resource, state, seconds):
    """Puts `resource` (an attachment, a transit gateway or a route table) in
    `state` until `seconds` have passed; advance() then moves it to the next
    state."""
    resource.state = state
    resource._tgwp_phase = (state, time.time(), seconds)


@locked
def advance(resource):
    """Moves an attachment, transit gateway or route table through its timed
    phases, lazily, when it is read."""
    phase = getattr(resource, "_tgwp_phase", None)
    if phase is None:
        return
    state, since, seconds = phase
    if resource.state != state:
        # Deleted or rejected meanwhile: the phase no longer applies.
        resource._tgwp_phase = None
        return
    if time.time() - since < seconds:
        return
    resource._tgwp_phase = None
    resource.state = _NEXT[state]
    if resource.state == "available" and isinstance(resource, TransitGatewayAttachment):
        became_available(resource)


def became_available(attachment):
    for hook in ON_AVAILABLE:
        hook(attachment)


@locked
def advance_cidrs(vpc):
    """Moves the VPC's `associating` CIDR blocks to `associated` once
    TGW_EMULATOR_CIDR_SECONDS have passed."""
    for association in vpc._cidr_block_association_set.values():
        since = association.get("_tgwp_since")
        if since is None or time.time() - since < config.CIDR_SECONDS:
            continue
        association.pop("_tgwp_since")
        state = association["cidr_block_state"]
        if state.get("state") == "associating":
            state["state"] = "associated"


def advance_backend(backend):
    """Advances every transit gateway, route table, attachment and VPC CIDR
    block of one account and Region."""
    for gateway in list(backend.transit_gateways.values()):
        advance(gateway)
    for table in list(backend.transit_gateways_route_tables.values()):
        advance(table)
    for attachment in list(backend.transit_gateway_attachments.values()):
        advance(attachment)
    for vpc in list(backend.vpcs.values()):
        advance_cidrs(vpc)


# --- lookups --------------------------------------------------------------


def get_table(backend, table_id, writable=False):
    """The route table, its timed phase advanced; with `writable` (a call that
    adds to it: a route, an association, a propagation, a prefix-list
    reference) it must be `available`, else `IncorrectState` (see gateways)."""
    table = backend.transit_gateways_route_tables.get(table_id)
    if table is None or table.state == "deleted":
        raise error(
            "InvalidRouteTableID.NotFound",
            f"Transit Gateway Route Table {table_id} was deleted or does not exist.",
        )
    advance(table)
    if writable and table.state != "available":
        raise error(
            "IncorrectState",
            f"Transit Gateway Route Table {table.id} is in invalid state {table.state}",
        )
    return table


def get_attachment(backend, attachment_id):
    attachment = backend.transit_gateway_attachments.get(attachment_id)
    if attachment is None:
        raise error(
            "InvalidTransitGatewayAttachmentID.NotFound",
            f"Transit Gateway Attachment {attachment_id} was deleted or does not exist.",
        )
    advance(attachment)
    return attachment


def vpc_of(backend, attachment):
    """The VPC of a VPC attachment listed in `backend`, read from its owner's
    account (the attachment's ResourceOwnerId; another account's for a VPC
    attached to a shared gateway), its CIDR blocks advanced; or None."""
    owner = backend
    if attachment.resource_owner_id != backend.account_id:
        owner = backend_of(attachment.resource_owner_id, backend.region_name)
    vpc = owner.vpcs.get(attachment.resource_id) if owner is not None else None
    if vpc is not None:
        advance_cidrs(vpc)
    return vpc


def gateway_owner(backend, attachment):
    """TransitGatewayOwnerId of `attachment` as `backend` sees it: the local
    side's account for a peering, else the account whose gateway it is."""
    if attachment.resource_type == "peering":
        return backend.account_id
    return attachment.owner_id


def incorrect_state(attachment):
    return error(
        "IncorrectState",
        f"tgw-attachment {attachment.id} is in invalid state {attachment.state}",
    )


# --- each side's view of an attachment ------------------------------------


def is_requester_side(backend, attachment):
    info = getattr(attachment, "requester_tgw_info", None)
    return info is None or (
        info.get("OwnerId") == backend.account_id and info.get("Region") == backend.region_name
    )


def view(backend, attachment):
    """(local transit gateway, resource ID, resource type, resource owner) of
    `attachment` as `backend`'s account and Region see it. For a peering the
    resource is the peer transit gateway, on either side."""
    if attachment.resource_type != "peering":
        return (
            attachment.transit_gateway_id,
            attachment.resource_id,
            attachment.resource_type,
            attachment.resource_owner_id,
        )
    requester, accepter = attachment.requester_tgw_info, attachment.accepter_tgw_info
    if is_requester_side(backend, attachment):
        local, peer = requester, accepter
    else:
        local, peer = accepter, requester
    return local["TransitGatewayId"], peer["TransitGatewayId"], "peering", peer["OwnerId"]


def route_target(backend, attachment):
    """The `TransitGatewayAttachments` member of a route toward `attachment`."""
    _, resource_id, resource_type, _ = view(backend, attachment)
    return {
        "resourceId": resource_id,
        "resourceType": resource_type,
        "transitGatewayAttachmentId": attachment.id,
    }


# --- associations ---------------------------------------------------------


def tables_of(backend, transit_gateway_id):
    return [
        table
        for table in backend.transit_gateways_route_tables.values()
        if table.transit_gateway_id == transit_gateway_id and table.state != "deleted"
    ]


def associated_table(backend, attachment_id, transit_gateway_id):
    """The route table of `transit_gateway_id` that the attachment is
    associated with, or None. The route tables hold the associations, so each
    side of a peering has its own."""
    for table in tables_of(backend, transit_gateway_id):
        if attachment_id in table.route_table_associations:
            return table
    return None


def associate(backend, table, attachment):
    _, resource_id, resource_type, _ = view(backend, attachment)
    table.route_table_associations[attachment.id] = RouteTableAssociation(
        resource_id=resource_id,
        resource_type=resource_type,
        state="associated",
        transit_gateway_attachment_id=attachment.id,
    )


def association_state(attachment):
    """An association reads `associated` once its attachment is available."""
    return "associated" if attachment.state == "available" else "associating"


def forget_attachment(backend, attachment_id):
    """Drops a deleted attachment's associations and propagations in one
    account and Region."""
    for table in backend.transit_gateways_route_tables.values():
        table.route_table_associations.pop(attachment_id, None)
        table.route_table_propagation = [
            p for p in table.route_table_propagation
            if p.transitGatewayAttachmentId != attachment_id
        ]
    backend.transit_gateway_associations.pop(attachment_id, None)
    backend.transit_gateway_propagations.pop(attachment_id, None)


# --- filters --------------------------------------------------------------


def value_matches(values, value):
    """EC2 filter semantics: any of `values` matches; `*` and `?` are wildcards."""
    if value is None:
        return False
    return any(fnmatch.fnmatchcase(str(value), str(v)) for v in values)


def tags_match(name, values, tags):
    """`tag:KEY` and `tag-key` filters against [{'Key'|'key': .., 'Value'|'value': ..}]."""
    pairs = [(t.get("Key", t.get("key")), t.get("Value", t.get("value"))) for t in tags]
    if name == "tag-key":
        return any(value_matches(values, k) for k, _ in pairs)
    key = name[len("tag:"):]
    return any(k == key and value_matches(values, v) for k, v in pairs)


def unknown_filter(name):
    return error("InvalidParameterValue", f"The filter '{name}' is invalid")


# --- pagination -----------------------------------------------------------


def page_size(max_results, low, high, default):
    """MaxResults within the documented range, else InvalidParameterValue."""
    if max_results is None:
        return default
    size = int(max_results)
    if size < low or size > high:
        raise error(
            "InvalidParameterValue",
            f"Value ( {size} ) for parameter maxResults is invalid. "
            f"Parameter must be between {low} and {high}.",
        )
    return size


def make_token(kind, key):
    return base64.urlsafe_b64encode(json.dumps([kind, key]).encode()).decode()


def read_token(kind, token):
    """The position a NextToken of this `kind` stands for; any other token is
    refused with InvalidPaginationToken (API reference, common client errors)."""
    try:
        token_kind, key = json.loads(base64.urlsafe_b64decode(token.encode()))
        if token_kind == kind:
            return key
    except Exception:
        pass
    raise error("InvalidPaginationToken", f"The pagination token '{token}' is invalid.")


def paginate(items, kind, max_results, next_token, low, high, default=None):
    """An offset page of `items` and the NextToken of the rest (None when done).
    With no MaxResults and no `default`, everything is one page."""
    size = page_size(max_results, low, high, default or len(items) or 1)
    start = read_token(kind, next_token) if next_token else 0
    if not isinstance(start, int) or start < 0:
        raise error("InvalidPaginationToken", f"The pagination token '{next_token}' is invalid.")
    page = items[start:start + size]
    more = start + size < len(items)
    return page, (make_token(kind, start + size) if more else None)
