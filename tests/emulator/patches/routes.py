"""Transit gateway routes: static routes, propagated routes and the search.

* CreateTransitGatewayRoute: a static route that already exists fails with
  `RouteAlreadyExists`; a route to an attachment that is not `available`
  fails with `IncorrectState` (EC2 error codes,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
  A propagated route of the same CIDR does not block it: "When a static route
  and a propagated route have the same destination, the static route has the
  higher priority, so the propagated route is not included in the route table"
  (Transit Gateway guide, route propagation,
  https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html).
  Routes keep their target (`TransitGatewayAttachments`, API reference
  TransitGatewayRoute), as the local side sees it.
* DeleteTransitGatewayRoute: a missing route fails with `InvalidRoute.NotFound`
  (HTTP 400), not HTTP 500. Deleting the static route brings back a
  propagated route of the same CIDR ("If you remove the static route, the
  overlapping propagated route is included in the route table", same page).
* ReplaceTransitGatewayRoute ("Replaces the specified route in the specified
  transit gateway route table", API reference ReplaceTransitGatewayRoute; moto
  lacks it): the static route must exist (`InvalidRoute.NotFound`), the new
  attachment must exist and be `available` (`IncorrectState`), or
  `Blackhole=true`.
* Propagated routes: each `available` VPC attachment propagating to a table
  installs every associated IPv4 CIDR block of its VPC ("For a VPC
  attachment, the CIDR blocks of the VPC are propagated to the transit gateway
  route table", same page), and its IPv6 blocks only when the attachment's
  `Options.Ipv6Support` is `enable` ("When you enable route propagation, IPv6
  VPC CIDRs propagate to the transit gateway route tables. When disabled, the
  network interface does not receive an IPv6 address, and IPv6 routes do not
  propagate. The setting does not filter IPv6 traffic. The default is
  disable.", API reference CreateTransitGatewayVpcAttachmentRequestOptions,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html,
  and ModifyTransitGatewayVpcAttachmentRequestOptions; see vpc_attachments),
  as `type: propagated`, `state: active`; static IPv6 routes toward any
  attachment stay (the setting filters no traffic). The VPC
  is read from its owner's account, so a VPC of another account attached to a
  shared gateway propagates too (see shared_gateways). A CIDR
  identical to one another attachment already propagates is not installed ("If
  you attach a VPC to a transit gateway and its CIDR is identical to the CIDR
  of another VPC that's already attached to the transit gateway, the routes for
  the newly attached VPC aren't propagated", Transit Gateway guide,
  https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html). Routes
  are computed when read, so they vanish with the attachment or the propagation.
* Deleting an attachment turns every static route toward it, in every route
  table of the account and Region, into `state: blackhole`; it stays until
  deleted (API reference TransitGatewayRoute, states `pending | active |
  blackhole | deleting | deleted`,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRoute.html).
  Whether SearchTransitGatewayRoutes then still names the deleted attachment in
  `TransitGatewayAttachments` AWS does not clearly document: the API reference
  says only "The attachments"; the Network Manager `TGW-ROUTE-UNINSTALLED`
  sample event shows `"routeState": "blackhole"` with `"attachments": []`
  (https://docs.aws.amazon.com/network-manager/latest/tgwnm/monitoring-events.html),
  but that is an event, not the route as the EC2 API lists it. So both are
  offered: TGW_EMULATOR_BLACKHOLE_ATTACHMENT=drop (the default) empties
  `TransitGatewayAttachments`, as the sample; `keep` leaves the deleted
  attachment there (its ID, resource ID and resource type). A prefix-list
  reference toward the attachment reports `Blackhole: true` ("Indicates whether
  traffic that matches this route is dropped", API reference
  TransitGatewayPrefixListReference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayPrefixListReference.html)
  and, with `keep`, still names it in `TransitGatewayAttachment` (its routes
  likewise).
* SearchTransitGatewayRoutes: filters `type`, `state`,
  `route-search.exact-match`, `-longest-prefix-match`, `-subnet-of-match`,
  `-supernet-of-match`, `attachment.transit-gateway-attachment-id`,
  `attachment.resource-id`, `attachment.resource-type`, `prefix-list-id`
  (API reference SearchTransitGatewayRoutes,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SearchTransitGatewayRoutes.html);
  `MaxResults` 5..1000, default
  1000 ("If a value is not provided, the default is 1000"); `NextToken` and
  `AdditionalRoutesAvailable` when more routes remain. Routes come in a fixed
  order (IPv4 before IPv6, by address then prefix length) and a token resumes
  after the last route returned, so pages are stable.
  The reference documents both `AdditionalRoutesAvailable` ("Indicates
  whether there are additional routes available") and `NextToken` ("The token
  to use to retrieve the next page of results. This value is null when there
  are no more results to return"), but users report pages that say more routes
  are available and carry no token (the API had no NextToken until recently;
  botocore older than 1.36 has none). TGW_EMULATOR_SEARCH_PARTIAL=N (default
  0, off) serves such pages: at most N routes a call (fewer if MaxResults says
  so) and, when more match, `AdditionalRoutesAvailable: true` without a
  `NextToken`, so a client can be tested on a table it cannot read whole.
* Each entry of a referenced prefix list is one route (`listed_routes`).
"""

import ipaddress

from moto.core.responses import ActionResult
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable
from moto.utilities.utils import str2bool

from . import common, config
from .common import error


def _net(cidr):
    return ipaddress.ip_network(cidr, strict=False)


def _canonical(cidr):
    try:
        return str(_net(cidr))
    except ValueError:
        return cidr


def route_not_found(table_id, cidr):
    return error(
        "InvalidRoute.NotFound",
        f"No route with destination-cidr-block {cidr} in Transit Gateway Route Table {table_id}",
    )


def _targets(route):
    attachments = route.get("transitGatewayAttachments") or []
    # moto stores a single dict where the API has a list.
    return [attachments] if isinstance(attachments, dict) else list(attachments)


def blackhole_routes_to(backend, attachment_id):
    """Every static route (and prefix-list reference) toward the attachment,
    in every route table of this account and Region, becomes a blackhole;
    its target is dropped, or kept with TGW_EMULATOR_BLACKHOLE_ATTACHMENT=keep."""
    for table in backend.transit_gateways_route_tables.values():
        for route in list(table.routes.values()) + list(prefix_references(table).values()):
            if any(t.get("transitGatewayAttachmentId") == attachment_id for t in _targets(route)):
                route["state"] = "blackhole"
                if config.BLACKHOLE_ATTACHMENT == "drop":
                    route["transitGatewayAttachments"] = []


def prefix_references(table):
    """The table's prefix-list references, by prefix list ID (see prefix_lists)."""
    if not hasattr(table, "_tgwp_prefix_references"):
        table._tgwp_prefix_references = {}
    return table._tgwp_prefix_references


def _target_attachment(backend, attachment_id):
    attachment = common.get_attachment(backend, attachment_id)
    if attachment.state != "available":
        raise common.incorrect_state(attachment)
    return attachment


@common.locked
def create_route(self, transit_gateway_route_table_id, destination_cidr_block,
                 transit_gateway_attachment_id=None, blackhole=False):
    table = common.get_table(self, transit_gateway_route_table_id, writable=True)
    try:
        _net(destination_cidr_block)
    except (TypeError, ValueError):
        raise error("InvalidParameterValue",
                    f"The destination CIDR block {destination_cidr_block} is invalid.")
    existing = table.routes.get(destination_cidr_block)
    if existing is not None and existing.get("state") != "deleted":
        raise error(
            "RouteAlreadyExists",
            f"Route {destination_cidr_block} already exists in Transit Gateway Route Table "
            f"{transit_gateway_route_table_id}",
        )
    route = {
        "destinationCidrBlock": destination_cidr_block,
        "prefixListId": None,
        "state": "blackhole" if blackhole else "active",
        "type": "static",
        "transitGatewayAttachments": [],
    }
    if not blackhole:
        attachment = _target_attachment(self, transit_gateway_attachment_id)
        route["transitGatewayAttachments"] = [common.route_target(self, attachment)]
    table.routes[destination_cidr_block] = route
    return route


@common.locked
def delete_route(self, transit_gateway_route_table_id, destination_cidr_block):
    table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
    if table is None or destination_cidr_block not in table.routes:
        raise route_not_found(transit_gateway_route_table_id, destination_cidr_block)
    route = table.routes.pop(destination_cidr_block)
    route["state"] = "deleted"
    return route


@common.locked
def replace_route(self, transit_gateway_route_table_id, destination_cidr_block,
                  transit_gateway_attachment_id=None, blackhole=False):
    common.advance_backend(self)
    table = common.get_table(self, transit_gateway_route_table_id, writable=True)
    route = table.routes.get(destination_cidr_block)
    if route is None:
        # Only static routes can be replaced; a propagated one is not found.
        raise route_not_found(transit_gateway_route_table_id, destination_cidr_block)
    if blackhole:
        route["state"] = "blackhole"
        route["transitGatewayAttachments"] = []
    else:
        attachment = _target_attachment(self, transit_gateway_attachment_id)
        route["state"] = "active"
        route["transitGatewayAttachments"] = [common.route_target(self, attachment)]
    route["type"] = "static"
    return route


def output_route(route):
    """A stored route (moto's camelCase dict) as the API's TransitGatewayRoute."""
    out = {
        "Type": route.get("type") or "static",
        "State": route.get("state") or "active",
        "TransitGatewayAttachments": [
            {
                "ResourceId": t.get("resourceId"),
                "ResourceType": t.get("resourceType"),
                "TransitGatewayAttachmentId": t.get("transitGatewayAttachmentId"),
            }
            for t in _targets(route)
        ],
    }
    if route.get("destinationCidrBlock"):
        out["DestinationCidrBlock"] = route["destinationCidrBlock"]
    if route.get("prefixListId"):
        out["PrefixListId"] = route["prefixListId"]
    return out


def vpc_cidrs(vpc):
    """The VPC's `associated` IPv4 and IPv6 CIDR blocks, primary first."""
    return [
        a["cidr_block"]
        for a in vpc._cidr_block_association_set.values()
        if a.get("cidr_block_state", {}).get("state") == "associated"
    ]


def propagates_ipv6(attachment):
    """Whether a VPC attachment propagates its VPC's IPv6 blocks: only with
    `Options.Ipv6Support` `enable` (the default is `disable`)."""
    return (getattr(attachment, "options", None) or {}).get("Ipv6Support") == "enable"


def table_routes(backend, table):
    """Every route of the table, static and propagated, in search order."""
    common.advance_backend(backend)
    routes = [output_route(r) for r in table.routes.values() if r.get("state") != "deleted"]
    installed = {_canonical(r["DestinationCidrBlock"]) for r in routes}
    routes.extend(listed_routes(backend, table, installed))
    for propagation in table.route_table_propagation:
        attachment = backend.transit_gateway_attachments.get(propagation.transitGatewayAttachmentId)
        if attachment is None or attachment.state != "available":
            continue
        if attachment.resource_type != "vpc":
            continue
        vpc = common.vpc_of(backend, attachment)
        if vpc is None:
            continue
        ipv6 = propagates_ipv6(attachment)
        for cidr in vpc_cidrs(vpc):
            if not ipv6 and _net(cidr).version == 6:
                continue  # "IPv6 routes do not propagate"
            key = _canonical(cidr)
            if key in installed:
                continue  # a static route, or another attachment's identical CIDR
            installed.add(key)
            routes.append({
                "DestinationCidrBlock": cidr,
                "Type": "propagated",
                "State": "active",
                "TransitGatewayAttachments": [{
                    "ResourceId": attachment.resource_id,
                    "ResourceType": "vpc",
                    "TransitGatewayAttachmentId": attachment.id,
                }],
            })
    routes.sort(key=route_key)
    return routes


def listed_routes(backend, table, installed):
    """One route per entry of each referenced list, `type: propagated` with
    the list's `PrefixListId` ("You can also view each entry in the prefix
    list as an individual route in your transit gateway route table. The
    route type for a prefix list route is propagated", Transit Gateway guide,
    https://docs.aws.amazon.com/vpc/latest/tgw/view-prefix-list-reference.html).
    Static routes come before prefix-list routes, and prefix-list routes
    before routes propagated from VPCs (route evaluation order,
    https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html);
    as for a propagated route behind a static one, an entry behind a static
    route of the same CIDR is not listed. `installed` gains every CIDR
    listed."""
    from .prefix_lists import current_entries  # prefix_lists imports this module

    out = []
    for reference in prefix_references(table).values():
        prefix_list = backend.managed_prefix_lists.get(reference["prefixListId"])
        if prefix_list is None:
            continue
        for entry in current_entries(prefix_list):
            key = _canonical(entry["Cidr"])
            if key in installed:
                continue
            installed.add(key)
            route = output_route(reference)
            route["DestinationCidrBlock"] = entry["Cidr"]
            route["Type"] = "propagated"
            out.append(route)
    return out


def route_key(route):
    cidr = route.get("DestinationCidrBlock")
    if cidr:
        net = _net(cidr)
        return [0, net.version, int(net.network_address), net.prefixlen]
    return [1, 0, route.get("PrefixListId") or "", 0]


def _filter_nets(values):
    try:
        return [_net(v) for v in values]
    except ValueError:
        raise error("InvalidParameterValue", f"Invalid CIDR in filter values {values}")


def _cidr_filter(values, test):
    nets = _filter_nets(values)

    def keep(route):
        cidr = route.get("DestinationCidrBlock")
        if not cidr:
            return False
        net = _net(cidr)
        return any(n.version == net.version and test(net, n) for n in nets)

    return keep


def _target_filter(field, values):
    def keep(route):
        return any(common.value_matches(values, t.get(field))
                   for t in route["TransitGatewayAttachments"])
    return keep


def filter_routes(routes, filters):
    longest = None
    for name, values in filters.items():
        if name == "type":
            keep = lambda r, v=values: r["Type"] in v
        elif name == "state":
            keep = lambda r, v=values: r["State"] in v
        elif name == "route-search.exact-match":
            keep = _cidr_filter(values, lambda net, n: net == n)
        elif name == "route-search.subnet-of-match":
            keep = _cidr_filter(values, lambda net, n: net.subnet_of(n))
        elif name == "route-search.supernet-of-match":
            keep = _cidr_filter(values, lambda net, n: net.supernet_of(n))
        elif name == "route-search.longest-prefix-match":
            longest = values
            continue
        elif name == "attachment.transit-gateway-attachment-id":
            keep = _target_filter("TransitGatewayAttachmentId", values)
        elif name == "attachment.resource-id":
            keep = _target_filter("ResourceId", values)
        elif name == "attachment.resource-type":
            keep = _target_filter("ResourceType", values)
        elif name == "prefix-list-id":
            keep = lambda r, v=values: r.get("PrefixListId") in v
        else:
            raise common.unknown_filter(name)
        routes = [r for r in routes if keep(r)]
    if longest is not None:
        best = []
        for target in _filter_nets(longest):
            covering = [r for r in routes if r.get("DestinationCidrBlock")
                        and _net(r["DestinationCidrBlock"]).version == target.version
                        and target.subnet_of(_net(r["DestinationCidrBlock"]))]
            if covering:
                winner = max(covering, key=lambda r: _net(r["DestinationCidrBlock"]).prefixlen)
                if winner not in best:
                    best.append(winner)
        routes = sorted(best, key=route_key)
    return routes


def search_transit_gateway_routes(self):
    table_id = self._get_param("TransitGatewayRouteTableId")
    table = common.get_table(self.ec2_backend, table_id)
    routes = filter_routes(table_routes(self.ec2_backend, table), self._filters_from_querystring())
    size = common.page_size(self._get_param("MaxResults"), 5, 1000, 1000)
    partial = config.SEARCH_PARTIAL
    if partial:
        size = min(size, partial)
    next_token = self._get_param("NextToken")
    kind = f"routes:{table_id}"
    if next_token:
        after = common.read_token(kind, next_token)
        routes = [r for r in routes if route_key(r) > after]
    page, more = routes[:size], len(routes) > size
    result = {"Routes": page, "AdditionalRoutesAvailable": more}
    if more and not partial:
        # With TGW_EMULATOR_SEARCH_PARTIAL the page cannot be continued.
        result["NextToken"] = common.make_token(kind, route_key(page[-1]))
    return ActionResult(result)


def replace_transit_gateway_route(self):
    route = self.ec2_backend.replace_transit_gateway_route(
        transit_gateway_route_table_id=self._get_param("TransitGatewayRouteTableId"),
        destination_cidr_block=self._get_param("DestinationCidrBlock"),
        transit_gateway_attachment_id=self._get_param("TransitGatewayAttachmentId"),
        blackhole=bool(str2bool(self._get_param("Blackhole"))),
    )
    return ActionResult({"Route": output_route(route)})


def apply():
    backend = TransitGatewayRouteTableBackend
    backend.create_transit_gateway_route = create_route
    backend.delete_transit_gateway_route = delete_route
    backend.replace_transit_gateway_route = replace_route
    TransitGatewayRouteTable.search_transit_gateway_routes = search_transit_gateway_routes
    TransitGatewayRouteTable.replace_transit_gateway_route = replace_transit_gateway_route
