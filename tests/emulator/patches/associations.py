"""Route table associations and propagations, and DescribeTransitGatewayAttachments.

moto records associations in three places that disagree (the route table, the
attachment, a per-backend dict), lists only VPC attachments, and fails with
HTTP 500 on disassociating a default association. Here the route tables alone
hold them, per account and Region, so each side of a peering has its own.

* AssociateTransitGatewayRouteTable: "You can associate only one route table
  with an attachment" (API reference AssociateTransitGatewayRouteTable); a
  second association fails with `Resource.AlreadyAssociated` ("Transit Gateway
  Attachment tgw-attach-… is already associated to a route table.", the message
  AWS returns, quoted in public Terraform code and issues). The attachment must
  be `available` (`IncorrectState`). Works for peering attachments on either side.
* DisassociateTransitGatewayRouteTable: works for VPC and peering attachments.
  Disassociating an attachment that is not associated with that table fails
  with `InvalidAssociationID.NotFound` (the API reference documents no code
  for this; chosen as the closest documented one).
* GetTransitGatewayRouteTableAssociations: lists every attachment associated
  with the table, peerings included ("Gets information about the associations
  for the specified transit gateway route table"), filters `resource-id`,
  `resource-type`, `transit-gateway-attachment-id`, MaxResults 5..1000 and
  NextToken. The state is `associating` until the attachment is available.
* Enable/DisableTransitGatewayRouteTablePropagation: an attachment can
  propagate to several tables ("An attachment can propagate its routes to one
  or more route tables", https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html);
  enabling twice fails with `TransitGatewayRouteTablePropagation.Duplicate`
  (the code AWS returns, as handled by public AWS tooling; not in the API
  reference); disabling a propagation that does not exist fails with
  `TransitGatewayRouteTablePropagation.NotFound` (undocumented; chosen).
* DescribeTransitGatewayAttachments: each side's own view (its transit
  gateway; for a peering, the peer gateway as the resource), with
  `TransitGatewayOwnerId` (the gateway's account; for a peering, the local
  side's), `ResourceOwnerId`, `ResourceId`, `ResourceType`, `State` and
  `Association {TransitGatewayRouteTableId, State}` when associated; filters
  `association.state`, `association.transit-gateway-route-table-id`,
  `resource-id`, `resource-owner-id`, `resource-type`, `state`,
  `transit-gateway-attachment-id`, `transit-gateway-id`,
  `transit-gateway-owner-id`, `tag:KEY`, `tag-key` (API reference
  DescribeTransitGatewayAttachments); MaxResults 5..1000 and NextToken.
"""

from moto.core.responses import ActionResult
from moto.ec2.models.transit_gateway_route_tables import (
    RouteTablePropagation,
    TransitGatewayRouteTableBackend,
)
from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment
from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable

from . import common
from .common import error


def _relation(backend, table, attachment, state):
    _, resource_id, resource_type, _ = common.view(backend, attachment)
    return {
        "TransitGatewayAttachmentId": attachment.id,
        "TransitGatewayRouteTableId": table.id,
        "ResourceId": resource_id,
        "ResourceType": resource_type,
        "State": state,
    }


@common.locked
def associate_route_table(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
    common.advance_backend(self)
    table = common.get_table(self, transit_gateway_route_table_id, writable=True)
    attachment = common.get_attachment(self, transit_gateway_attachment_id)
    if common.associated_table(self, attachment.id, table.transit_gateway_id) is not None:
        raise error(
            "Resource.AlreadyAssociated",
            f"Transit Gateway Attachment {attachment.id} is already associated to a route table.",
        )
    if attachment.state != "available":
        raise common.incorrect_state(attachment)
    common.associate(self, table, attachment)
    return _relation(self, table, attachment, "associating")


@common.locked
def disassociate_route_table(self, tgw_attach_id, tgw_rt_id):
    common.advance_backend(self)
    table = common.get_table(self, tgw_rt_id)
    attachment = common.get_attachment(self, tgw_attach_id)
    if attachment.id not in table.route_table_associations:
        raise error(
            "InvalidAssociationID.NotFound",
            f"Transit Gateway Attachment {attachment.id} is not associated with "
            f"Transit Gateway Route Table {table.id}.",
        )
    del table.route_table_associations[attachment.id]
    self.transit_gateway_associations.pop(attachment.id, None)
    return _relation(self, table, attachment, "disassociating")


def enable_propagation(backend, table, attachment):
    if any(p.transitGatewayAttachmentId == attachment.id for p in table.route_table_propagation):
        raise error(
            "TransitGatewayRouteTablePropagation.Duplicate",
            f"Propagation {attachment.id} already exists in Transit Gateway Route Table {table.id}.",
        )
    _, resource_id, resource_type, _ = common.view(backend, attachment)
    table.route_table_propagation.append(RouteTablePropagation(
        resource_id=resource_id,
        resource_type=resource_type,
        state="enabled",
        transit_gateway_attachment_id=attachment.id,
    ))
    return _relation(backend, table, attachment, "enabled")


@common.locked
def enable_route_table_propagation(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
    table = common.get_table(self, transit_gateway_route_table_id, writable=True)
    attachment = common.get_attachment(self, transit_gateway_attachment_id)
    return enable_propagation(self, table, attachment)


@common.locked
def disable_route_table_propagation(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
    table = common.get_table(self, transit_gateway_route_table_id)
    attachment = common.get_attachment(self, transit_gateway_attachment_id)
    kept = [p for p in table.route_table_propagation
            if p.transitGatewayAttachmentId != attachment.id]
    if len(kept) == len(table.route_table_propagation):
        raise error(
            "TransitGatewayRouteTablePropagation.NotFound",
            f"Propagation {attachment.id} does not exist in Transit Gateway Route Table {table.id}.",
        )
    table.route_table_propagation = kept
    return _relation(self, table, attachment, "disabled")


def get_transit_gateway_route_table_associations(self):
    backend = self.ec2_backend
    common.advance_backend(backend)
    table = common.get_table(backend, self._get_param("TransitGatewayRouteTableId"))
    fields = {
        "resource-id": "ResourceId",
        "resource-type": "ResourceType",
        "transit-gateway-attachment-id": "TransitGatewayAttachmentId",
    }
    items = []
    for attachment_id, association in table.route_table_associations.items():
        attachment = backend.transit_gateway_attachments.get(attachment_id)
        items.append({
            "TransitGatewayAttachmentId": attachment_id,
            "ResourceId": association.resourceId,
            "ResourceType": association.resourceType,
            "State": common.association_state(attachment) if attachment else "associated",
        })
    for name, values in self._filters_from_querystring().items():
        if name not in fields:
            raise common.unknown_filter(name)
        items = [i for i in items if common.value_matches(values, i[fields[name]])]
    page, token = common.paginate(
        items, f"associations:{table.id}", self._get_param("MaxResults"),
        self._get_param("NextToken"), 5, 1000,
    )
    result = {"Associations": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def attachment_view(backend, attachment):
    """One attachment as DescribeTransitGatewayAttachments shows it to `backend`."""
    tgw_id, resource_id, resource_type, resource_owner = common.view(backend, attachment)
    item = {
        "TransitGatewayAttachmentId": attachment.id,
        "TransitGatewayId": tgw_id,
        "TransitGatewayOwnerId": common.gateway_owner(backend, attachment),
        "ResourceOwnerId": resource_owner,
        "ResourceType": resource_type,
        "ResourceId": resource_id,
        "State": attachment.state,
        "CreationTime": attachment.create_time,
        "Tags": [{"Key": t.get("key"), "Value": t.get("value")} for t in attachment.get_tags()],
    }
    table = common.associated_table(backend, attachment.id, tgw_id)
    if table is not None:
        item["Association"] = {
            "TransitGatewayRouteTableId": table.id,
            "State": common.association_state(attachment),
        }
    return item


_ATTACHMENT_FIELDS = {
    "resource-id": "ResourceId",
    "resource-owner-id": "ResourceOwnerId",
    "resource-type": "ResourceType",
    "state": "State",
    "transit-gateway-attachment-id": "TransitGatewayAttachmentId",
    "transit-gateway-id": "TransitGatewayId",
    "transit-gateway-owner-id": "TransitGatewayOwnerId",
}


def _attachment_filter(name, values):
    if name in _ATTACHMENT_FIELDS:
        field = _ATTACHMENT_FIELDS[name]
        return lambda item: common.value_matches(values, item[field])
    if name == "association.state":
        return lambda item: common.value_matches(values, item.get("Association", {}).get("State"))
    if name == "association.transit-gateway-route-table-id":
        return lambda item: common.value_matches(
            values, item.get("Association", {}).get("TransitGatewayRouteTableId"))
    if name.startswith("tag:") or name == "tag-key":
        return lambda item: common.tags_match(name, values, item["Tags"])
    raise common.unknown_filter(name)


def describe_transit_gateway_attachments(self):
    backend = self.ec2_backend
    common.advance_backend(backend)
    ids = self._get_param("TransitGatewayAttachmentIds", [])
    items = [
        attachment_view(backend, a)
        for a in backend.transit_gateway_attachments.values()
        if not ids or a.id in ids
    ]
    for name, values in self._filters_from_querystring().items():
        keep = _attachment_filter(name, values)
        items = [i for i in items if keep(i)]
    page, token = common.paginate(
        items, "attachments", self._get_param("MaxResults"),
        self._get_param("NextToken"), 5, 1000,
    )
    result = {"TransitGatewayAttachments": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def apply():
    backend = TransitGatewayRouteTableBackend
    backend.associate_transit_gateway_route_table = associate_route_table
    backend.disassociate_transit_gateway_route_table = disassociate_route_table
    backend.enable_transit_gateway_route_table_propagation = enable_route_table_propagation
    backend.disable_transit_gateway_route_table_propagation = disable_route_table_propagation
    TransitGatewayRouteTable.get_transit_gateway_route_table_associations = (
        get_transit_gateway_route_table_associations
    )
    TransitGatewayAttachment.describe_transit_gateway_attachments = (
        describe_transit_gateway_attachments
    )
