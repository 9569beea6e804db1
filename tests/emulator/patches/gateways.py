"""Transit gateways and route tables: ModifyTransitGateway's `modifying`
state, a new route table's `pending` state, DescribeTransitGatewayRouteTables.

* CreateTransitGateway with both `DefaultRouteTableAssociation` and
  `DefaultRouteTablePropagation` `disable` makes no default route table, and
  the gateway reports no `AssociationDefaultRouteTableId` nor
  `PropagationDefaultRouteTableId` ("Either DefaultRouteTableAssociation or
  DefaultRouteTablePropagation must be set to enable for Amazon Web Services
  Transit Gateway to create the default transit gateway route table", API
  reference TransitGatewayOptions,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayOptions.html).
  moto always makes one, and associates every new VPC attachment with it:
  where the table is gone, that association is not made.

* ModifyTransitGateway ("Modifies the specified transit gateway. When you
  modify a transit gateway, the modified options are applied to new transit
  gateway attachments only", API reference ModifyTransitGateway,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGateway.html)
  puts the gateway in `modifying` (TransitGateway state: "pending | available |
  modifying | deleting | deleted", API reference TransitGateway,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGateway.html)
  for TGW_EMULATOR_MODIFY_SECONDS (default 0: `available` at once, as moto),
  then `available`, lazily when DescribeTransitGateways (or any call that
  advances the Region) reads it. moto's handling of the options is kept (each
  option given replaces the stored one; the response and DescribeTransitGateways
  show the new values at once); in addition `AddTransitGatewayCidrBlocks` and
  `RemoveTransitGatewayCidrBlocks` (ModifyTransitGatewayOptions) edit
  `TransitGatewayCidrBlocks`, which moto ignores, and `AssociationDefaultRouteTableId`
  / `PropagationDefaultRouteTableId` must name a route table of that gateway
  (`InvalidRouteTableID.NotFound`), which then reads
  `DefaultAssociationRouteTable` / `DefaultPropagationRouteTable` true. While
  modifying, the gateway stays listed and readable, and so do its attachments
  and route tables. An unknown gateway fails with
  `InvalidTransitGatewayID.NotFound` (moto: HTTP 500). AWS documents nothing
  about a second ModifyTransitGateway while one is in progress: the emulator
  refuses it with `IncorrectState`, so that a client waits for `available`
  (never reached with the default 0 seconds).
* CreateTransitGatewayRouteTable: the table is `pending` (TransitGatewayRouteTable
  state: "pending | available | deleting | deleted", API reference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRouteTable.html)
  for TGW_EMULATOR_TABLE_SECONDS (default 0: `available` at once, as moto),
  then `available`, lazily when read. AWS documents nothing about using a
  table that is still `pending`: the emulator refuses what adds to it
  (CreateTransitGatewayRoute, ReplaceTransitGatewayRoute,
  AssociateTransitGatewayRouteTable, EnableTransitGatewayRouteTablePropagation,
  Create/ModifyTransitGatewayPrefixListReference) with `IncorrectState`, so a
  client waits for `available`; reads work. An unknown gateway fails with
  `InvalidTransitGatewayID.NotFound` (moto creates the table anyway). A
  gateway's default route table, made with it, is `available` at once.
* DescribeTransitGatewayRouteTables (API reference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayRouteTables.html):
  filters `default-association-route-table`, `default-propagation-route-table`
  (`true` | `false`; moto matches neither), `state`, `transit-gateway-id`,
  `transit-gateway-route-table-id`, and `tag:KEY`, `tag-key`; another filter
  fails with `InvalidParameterValue` (moto ignores it). `MaxResults` 5..1000
  ("Valid Range: Minimum value of 5. Maximum value of 1000") and `NextToken`
  (moto ignores both and returns one page); without MaxResults, one page. An
  unknown ID in `TransitGatewayRouteTableIds` fails with
  `InvalidRouteTableID.NotFound` (moto returns nothing).
"""

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidTransitGatewayID
from moto.ec2.models.transit_gateway import TransitGatewayBackend
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable

from . import common, config
from .common import error


def _cidr_blocks(options, add, remove):
    blocks = [b for b in options.get("TransitGatewayCidrBlocks") or [] if b not in remove]
    return blocks + [b for b in add if b not in blocks]


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, dict):  # moto may parse a query list as {"1": .., "2": ..}
        return [value[k] for k in sorted(value, key=int)]
    return [value] if isinstance(value, str) else list(value)


def refresh_default_flags(backend, gateway):
    """Each route table of the gateway reads DefaultAssociationRouteTable /
    DefaultPropagationRouteTable as the gateway's options name it."""
    for table in common.tables_of(backend, gateway.id):
        table.default_association_route_table = (
            table.id == gateway.options.get("AssociationDefaultRouteTableId"))
        table.default_propagation_route_table = (
            table.id == gateway.options.get("PropagationDefaultRouteTableId"))


def apply_gateways():
    backend = TransitGatewayBackend
    orig_create = backend.create_transit_gateway
    orig_modify = backend.modify_transit_gateway
    orig_describe = backend.describe_transit_gateways

    @common.locked
    def create_transit_gateway(self, description, options=None, tags=None):
        gateway = orig_create(self, description, options, tags)
        opts = gateway.options
        if (opts.get("DefaultRouteTableAssociation") == "disable"
                and opts.get("DefaultRouteTablePropagation") == "disable"):
            self.transit_gateways_route_tables.pop(gateway.default_route_table.id, None)
            opts.pop("AssociationDefaultRouteTableId", None)
            opts.pop("PropagationDefaultRouteTableId", None)
        return gateway

    @common.locked
    def modify_transit_gateway(self, transit_gateway_id, description=None, options=None):
        gateway = self.transit_gateways.get(transit_gateway_id)
        if gateway is None:
            raise InvalidTransitGatewayID(transit_gateway_id)
        common.advance(gateway)
        if gateway.state != "available":
            raise error(
                "IncorrectState",
                f"Transit Gateway {gateway.id} is in invalid state {gateway.state}",
            )
        options = dict(options or {})
        add = _as_list(options.pop("AddTransitGatewayCidrBlocks", None))
        remove = _as_list(options.pop("RemoveTransitGatewayCidrBlocks", None))
        for key in ("AssociationDefaultRouteTableId", "PropagationDefaultRouteTableId"):
            if options.get(key):
                table = common.get_table(self, options[key])
                if table.transit_gateway_id != gateway.id:
                    raise error(
                        "InvalidRouteTableID.NotFound",
                        f"Transit Gateway Route Table {table.id} does not belong to "
                        f"Transit Gateway {gateway.id}.",
                    )
        gateway = orig_modify(self, transit_gateway_id, description, options)
        if add or remove:
            gateway.options["TransitGatewayCidrBlocks"] = _cidr_blocks(gateway.options, add, remove)
        refresh_default_flags(self, gateway)
        if config.MODIFY_SECONDS > 0:
            common.start_phase(gateway, "modifying", config.MODIFY_SECONDS)
        return gateway

    def describe_transit_gateways(self, *args, **kwargs):
        for gateway in list(self.transit_gateways.values()):
            common.advance(gateway)
        return orig_describe(self, *args, **kwargs)

    backend.create_transit_gateway = create_transit_gateway
    tables = TransitGatewayRouteTableBackend
    orig_set_association = tables.set_route_table_association

    def set_route_table_association(self, transit_gateway_attachment_id,
                                    transit_gateway_route_table_id):
        if transit_gateway_route_table_id not in self.transit_gateways_route_tables:
            return None
        return orig_set_association(self, transit_gateway_attachment_id,
                                    transit_gateway_route_table_id)

    tables.set_route_table_association = set_route_table_association
    backend.modify_transit_gateway = modify_transit_gateway
    backend.describe_transit_gateways = describe_transit_gateways


# --- route tables ---------------------------------------------------------


def create_transit_gateway_route_table(self):
    backend = self.ec2_backend
    transit_gateway_id = self._get_param("TransitGatewayId")
    if transit_gateway_id not in backend.transit_gateways:
        raise InvalidTransitGatewayID(transit_gateway_id)
    tags = self._parse_tag_specification().get("transit-gateway-route-table", {})
    table = backend.create_transit_gateway_route_table(
        transit_gateway_id=transit_gateway_id, tags=tags)
    if config.TABLE_SECONDS > 0:
        common.start_phase(table, "pending", config.TABLE_SECONDS)
    return ActionResult({"TransitGatewayRouteTable": table})


_TABLE_FIELDS = {
    "state": lambda t: t.state,
    "transit-gateway-id": lambda t: t.transit_gateway_id,
    "transit-gateway-route-table-id": lambda t: t.id,
    "default-association-route-table": lambda t: str(bool(t.default_association_route_table)).lower(),
    "default-propagation-route-table": lambda t: str(bool(t.default_propagation_route_table)).lower(),
}


def _table_filter(name, values):
    if name in _TABLE_FIELDS:
        field = _TABLE_FIELDS[name]
        return lambda table: common.value_matches(values, field(table))
    if name.startswith("tag:") or name == "tag-key":
        return lambda table: common.tags_match(name, values, table.get_tags())
    raise common.unknown_filter(name)


def describe_transit_gateway_route_tables(self):
    backend = self.ec2_backend
    common.advance_backend(backend)
    ids = self._get_param("TransitGatewayRouteTableIds", [])
    for table_id in ids:
        if table_id not in backend.transit_gateways_route_tables:
            raise error("InvalidRouteTableID.NotFound",
                        f"Transit Gateway Route Table {table_id} does not exist.")
    tables = [t for t in backend.transit_gateways_route_tables.values() if not ids or t.id in ids]
    for name, values in self._filters_from_querystring().items():
        keep = _table_filter(name, values)
        tables = [t for t in tables if keep(t)]
    page, token = common.paginate(
        tables, "route-tables", self._get_param("MaxResults"),
        self._get_param("NextToken"), 5, 1000,
    )
    result = {"TransitGatewayRouteTables": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def apply():
    apply_gateways()
    table = TransitGatewayRouteTable
    table.create_transit_gateway_route_table = create_transit_gateway_route_table
    table.describe_transit_gateway_route_tables = describe_transit_gateway_route_tables
