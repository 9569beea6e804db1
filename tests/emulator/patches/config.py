"""The emulator's settings, read once from the environment at start-up.

TGW_EMULATOR_PHASE_SECONDS        seconds of each timed peering phase
                                  (initiatingRequest, then pending); 0 = at once
TGW_EMULATOR_ATTACHMENT_SECONDS   seconds a new VPC attachment stays `pending`; 0 = at once
TGW_EMULATOR_CIDR_SECONDS         seconds a CIDR block added by AssociateVpcCidrBlock
                                  stays `associating`; 0 = at once
TGW_EMULATOR_MODIFY_SECONDS       seconds a transit gateway stays `modifying` after
                                  ModifyTransitGateway; 0 = `available` at once (see gateways)
TGW_EMULATOR_TABLE_SECONDS        seconds a route table made by
                                  CreateTransitGatewayRouteTable stays `pending`; 0 = at once
                                  (see gateways)
TGW_EMULATOR_BLACKHOLE_ATTACHMENT `drop` (default) or `keep`: when an attachment is deleted,
                                  the static routes toward it become blackholes with no
                                  attachment (`drop`), or still naming the deleted
                                  attachment (`keep`); likewise a prefix-list reference
                                  (see routes)
TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1
                                  an accepted peering is associated, on each side, with
                                  that gateway's default association route table when the
                                  gateway enables DefaultRouteTableAssociation (off by default)
TGW_EMULATOR_DUPLICATE_PEERING_CODE
                                  error code of a second live peering between the same two
                                  gateways (default DuplicateTransitGatewayAttachment; AWS
                                  documents the quota, not the code); `none` lifts the
                                  one-peering rule (moto's behaviour)
TGW_EMULATOR_PREFIX_LIST_FULL_CODE
                                  error code of a prefix list modification that would exceed
                                  MaxEntries (default PrefixListMaxEntriesExceeded; the API
                                  reference documents no code)
TGW_EMULATOR_SEARCH_PARTIAL       N > 0: SearchTransitGatewayRoutes returns at most N routes a
                                  call and, when more match, AdditionalRoutesAvailable true
                                  with no NextToken (a page that cannot be continued, as
                                  users report); default 0, off: pages with NextToken
                                  (see routes)
TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE
                                  N > 0: ModifyManagedPrefixList growing a list's MaxEntries
                                  beyond N ends in `modify-failed`, MaxEntries unchanged, with a
                                  StateMessage naming a made-up referencing resource (as if
                                  one could not take the new size); default 0, no such limit
                                  (see prefix_lists)
TGW_EMULATOR_VPC_ROUTE_QUOTA      routes per VPC route table, counted per address family:
                                  routes made by CreateRoute, a prefix-list route counting
                                  the list's MaxEntries; CreateRoute beyond it fails with
                                  RouteLimitExceeded, and a resize of a referenced list
                                  beyond it ends `modify-failed`; default 50, 0 = no quota
                                  (see vpc_routes)
TGW_EMULATOR_RAM_SHARED_WITH      comma-separated 12-digit account IDs, or `*` for every
                                  account: every transit gateway is shared through AWS RAM
                                  with these accounts (as a resource share with the
                                  organization would), so a VPC of theirs can attach to it
                                  (see shared_gateways); default empty, nothing shared
TGW_EMULATOR_ROLES                `ROLE_ARN=EXTERNAL_ID[|EXTERNAL_ID...]` items separated by
                                  `;`: each role is created at start in its account's IAM
                                  with a trust policy that allows sts:AssumeRole only with one
                                  of those external IDs (see sts_trust); default none
"""

import os
import re


def _seconds(name):
    return float(os.environ.get(name) or "0")


PHASE_SECONDS = _seconds("TGW_EMULATOR_PHASE_SECONDS")
ATTACHMENT_SECONDS = _seconds("TGW_EMULATOR_ATTACHMENT_SECONDS")
CIDR_SECONDS = _seconds("TGW_EMULATOR_CIDR_SECONDS")
MODIFY_SECONDS = _seconds("TGW_EMULATOR_MODIFY_SECONDS")
TABLE_SECONDS = _seconds("TGW_EMULATOR_TABLE_SECONDS")
PEERING_AUTO_ASSOCIATE = os.environ.get("TGW_EMULATOR_PEERING_AUTO_ASSOCIATE") == "1"
DUPLICATE_PEERING_CODE = (
    os.environ.get("TGW_EMULATOR_DUPLICATE_PEERING_CODE") or "DuplicateTransitGatewayAttachment"
)
PREFIX_LIST_FULL_CODE = (
    os.environ.get("TGW_EMULATOR_PREFIX_LIST_FULL_CODE") or "PrefixListMaxEntriesExceeded"
)


def _count(name, default):
    """A non-negative integer setting."""
    value = (os.environ.get(name) or str(default)).strip()
    if not value.isdigit():
        raise ValueError(f"{name}: {value!r} is not a non-negative integer")
    return int(value)


SEARCH_PARTIAL = _count("TGW_EMULATOR_SEARCH_PARTIAL", 0)
PREFIX_LIST_MAX_RESIZE = _count("TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE", 0)
VPC_ROUTE_QUOTA = _count("TGW_EMULATOR_VPC_ROUTE_QUOTA", 50)


def _choice(name, choices, default):
    value = (os.environ.get(name) or default).strip()
    if value not in choices:
        raise ValueError(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return value


BLACKHOLE_ATTACHMENT = _choice("TGW_EMULATOR_BLACKHOLE_ATTACHMENT", ("drop", "keep"), "drop")


def _accounts(value):
    """The accounts of TGW_EMULATOR_RAM_SHARED_WITH: a set, or "*"."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if "*" in items:
        return "*"
    for item in items:
        if not re.fullmatch(r"\d{12}", item):
            raise ValueError(f"TGW_EMULATOR_RAM_SHARED_WITH: {item!r} is not a 12-digit account ID")
    return set(items)


def _roles(value):
    """The roles of TGW_EMULATOR_ROLES: {role ARN: [external IDs]}."""
    roles = {}
    for item in (i.strip() for i in value.split(";")):
        if not item:
            continue
        arn, _, ids = item.partition("=")
        external_ids = [i.strip() for i in ids.split("|") if i.strip()]
        if not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/\S+", arn.strip()) or not external_ids:
            raise ValueError(
                f"TGW_EMULATOR_ROLES: {item!r} is not ROLE_ARN=EXTERNAL_ID[|EXTERNAL_ID...]")
        roles[arn.strip()] = external_ids
    return roles


RAM_SHARED_WITH = _accounts(os.environ.get("TGW_EMULATOR_RAM_SHARED_WITH") or "")
ROLES = _roles(os.environ.get("TGW_EMULATOR_ROLES") or "")


def shared_with(account_id):
    """Whether every transit gateway is shared with `account_id`."""
    return RAM_SHARED_WITH == "*" or account_id in RAM_SHARED_WITH
