"""Transit gateway peering attachments.

* CreateTransitGatewayPeeringAttachment: the attachment starts in
  `initiatingRequest` and reaches `pendingAcceptance` after
  TGW_EMULATOR_PHASE_SECONDS (default 0: at once, as moto does). An unknown
  local gateway fails with `InvalidTransitGatewayID.NotFound`, not HTTP 500.
* One live peering per pair of gateways: "Peering attachments between two
  transit gateways: 1, not adjustable" (Transit Gateway quotas,
  https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html). A
  second request between the same two gateways, in either direction, while one
  exists in any state but deleted, deleting, failed or rejected, fails. AWS
  documents the quota but not the error: the emulator answers HTTP 400
  `DuplicateTransitGatewayAttachment` (the code AWS gives a second VPC
  attachment of one VPC), or TGW_EMULATOR_DUPLICATE_PEERING_CODE (`none`
  lifts the rule, as plain moto).
* DescribeTransitGatewayPeeringAttachments: peering attachments only (moto
  lists VPC attachments too, without `RequesterTgwInfo`; API reference:
  "Describes your transit gateway peering attachments").
* AcceptTransitGatewayPeeringAttachment: only in `pendingAcceptance`, else
  `IncorrectState`; it then goes `pending` -> `available` after
  TGW_EMULATOR_PHASE_SECONDS (`TransitGatewayAttachmentState`).
* DeleteTransitGatewayPeeringAttachment: the static routes toward the peering
  become blackholes on both sides, and both sides lose its associations (see
  routes).
* With TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1 (default off), a peering that
  becomes available is associated, on each side, with that gateway's default
  association route table if the gateway enables DefaultRouteTableAssociation.
  Users report AWS doing so (terraform-provider-aws issues); the API reference
  says nothing, so both behaviours are offered.
"""

from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend

from . import common, config, routes
from .common import error

# "other than deleted/deleting/failed/rejected": these free the pair again.
DEAD_STATES = {"deleted", "deleting", "failed", "rejected"}


def live_peering_between(gateway_a, gateway_b):
    for backend in common.backends():
        for attachment in list(backend.transit_gateway_attachments.values()):
            if attachment.resource_type != "peering":
                continue
            common.advance(attachment)
            pair = {
                attachment.requester_tgw_info.get("TransitGatewayId"),
                attachment.accepter_tgw_info.get("TransitGatewayId"),
            }
            if pair == {gateway_a, gateway_b} and attachment.state not in DEAD_STATES:
                return attachment
    return None


def sides(attachment):
    """(backend, local transit gateway ID) of each side holding the peering."""
    found = []
    for info in (attachment.requester_tgw_info, attachment.accepter_tgw_info):
        backend = common.backend_of(info.get("OwnerId"), info.get("Region"))
        if backend is not None and attachment.id in backend.transit_gateway_attachments:
            found.append((backend, info.get("TransitGatewayId")))
    return found


def auto_associate(attachment):
    if not config.PEERING_AUTO_ASSOCIATE or attachment.resource_type != "peering":
        return
    for backend, gateway_id in sides(attachment):
        gateway = backend.transit_gateways.get(gateway_id)
        if gateway is None or gateway.options.get("DefaultRouteTableAssociation") != "enable":
            continue
        table = backend.transit_gateways_route_tables.get(
            gateway.options.get("AssociationDefaultRouteTableId"))
        if table is None or common.associated_table(backend, attachment.id, gateway_id):
            continue
        common.associate(backend, table, attachment)


def apply():
    backend = TransitGatewayAttachmentBackend
    orig_create = backend.create_transit_gateway_peering_attachment
    orig_accept = backend.accept_transit_gateway_peering_attachment
    orig_reject = backend.reject_transit_gateway_peering_attachment
    orig_delete = backend.delete_transit_gateway_peering_attachment
    orig_describe = backend.describe_transit_gateway_peering_attachments

    common.ON_AVAILABLE.append(auto_associate)

    @common.locked
    def create_peering(self, transit_gateway_id, peer_transit_gateway_id, peer_region,
                       peer_account_id, tags):
        if transit_gateway_id not in self.transit_gateways:
            raise error(
                "InvalidTransitGatewayID.NotFound",
                f"Transit Gateway {transit_gateway_id} was deleted or does not exist.",
            )
        existing = None
        if config.DUPLICATE_PEERING_CODE != "none":
            existing = live_peering_between(transit_gateway_id, peer_transit_gateway_id)
        if existing is not None:
            raise error(
                config.DUPLICATE_PEERING_CODE,
                f"{transit_gateway_id} has non-deleted Transit Gateway Peering Attachment "
                f"{existing.id} with {peer_transit_gateway_id}.",
            )
        attachment = orig_create(self, transit_gateway_id, peer_transit_gateway_id,
                                 peer_region, peer_account_id, tags)
        if config.PHASE_SECONDS > 0:
            common.start_phase(attachment, "initiatingRequest", config.PHASE_SECONDS)
        return attachment

    @common.locked
    def accept(self, transit_gateway_attachment_id):
        attachment = common.get_attachment(self, transit_gateway_attachment_id)
        if attachment.state != "pendingAcceptance":
            raise common.incorrect_state(attachment)
        attachment = orig_accept(self, transit_gateway_attachment_id)
        if config.PHASE_SECONDS > 0:
            common.start_phase(attachment, "pending", config.PHASE_SECONDS)
        else:
            common.became_available(attachment)
        return attachment

    @common.locked
    def reject(self, transit_gateway_attachment_id):
        common.get_attachment(self, transit_gateway_attachment_id)
        return orig_reject(self, transit_gateway_attachment_id)

    @common.locked
    def delete(self, transit_gateway_attachment_id):
        common.get_attachment(self, transit_gateway_attachment_id)
        attachment = orig_delete(self, transit_gateway_attachment_id)
        for side in common.backends():
            if attachment.id in side.transit_gateway_attachments:
                common.forget_attachment(side, attachment.id)
                routes.blackhole_routes_to(side, attachment.id)
        return attachment

    def describe_peerings(self, *args, **kwargs):
        common.advance_backend(self)
        return [
            a for a in orig_describe(self, *args, **kwargs)
            if getattr(a, "resource_type", "peering") == "peering"
        ]

    backend.create_transit_gateway_peering_attachment = create_peering
    backend.accept_transit_gateway_peering_attachment = accept
    backend.reject_transit_gateway_peering_attachment = reject
    backend.delete_transit_gateway_peering_attachment = delete
    backend.describe_transit_gateway_peering_attachments = describe_peerings
