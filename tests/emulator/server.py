"""The EC2 emulator of tgw-peering's tests: moto_server with patches that bring
the transit gateway calls tgw-peering uses closer to the documented AWS
behaviour. Run as `python server.py -H 127.0.0.1 -p PORT` (moto_server's
arguments). With no patch it is plain moto; set TGW_EMULATOR_PLAIN=1 for that.

Every patch cites the EC2 API reference (docs.aws.amazon.com/AWSEC2/latest/APIReference/):

* CreateTransitGatewayRoute: a route that already exists fails with
  `RouteAlreadyExists`, and a route to an attachment that is not `available`
  fails with `IncorrectState` (API reference, "Common client error codes").
  Routes keep their target, so SearchTransitGatewayRoutes returns
  `TransitGatewayAttachments` (API reference, `TransitGatewayRoute`).
* DeleteTransitGatewayRoute: a missing route fails with
  `InvalidRoute.NotFound` (HTTP 400), not HTTP 500.
* CreateTransitGatewayPeeringAttachment: the attachment starts in
  `initiatingRequest` and reaches `pendingAcceptance` after
  TGW_EMULATOR_PHASE_SECONDS (default 0: at once, as moto does).
* DescribeTransitGatewayPeeringAttachments: peering attachments only
  (moto lists VPC attachments too, without `RequesterTgwInfo`; API reference,
  `DescribeTransitGatewayPeeringAttachments`: "Describes your transit gateway
  peering attachments").
* AcceptTransitGatewayPeeringAttachment: only in `pendingAcceptance`, else
  `IncorrectState`; it then goes `pending` -> `available` after
  TGW_EMULATOR_PHASE_SECONDS (`TransitGatewayAttachmentState`).
"""

import os
import sys
import time

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.server import main

PHASE_SECONDS = float(os.environ.get("TGW_EMULATOR_PHASE_SECONDS", "0"))


def _advance(attachment):
    """Moves a peering through its timed phases, lazily, when it is read."""
    phase = getattr(attachment, "_tgwp_phase", None)
    if phase is None:
        return
    state, since = phase
    if time.time() - since < PHASE_SECONDS:
        return
    if state == "initiatingRequest":
        attachment.state = "pendingAcceptance"
    elif state == "pending":
        attachment.state = "available"
    attachment._tgwp_phase = None


def patch():
    att = TransitGatewayAttachmentBackend
    rt = TransitGatewayRouteTableBackend

    orig_create_peering = att.create_transit_gateway_peering_attachment

    def create_peering(self, *args, **kwargs):
        attachment = orig_create_peering(self, *args, **kwargs)
        if PHASE_SECONDS > 0:
            attachment.state = "initiatingRequest"
            attachment._tgwp_phase = ("initiatingRequest", time.time())
        return attachment

    orig_accept = att.accept_transit_gateway_peering_attachment

    def accept(self, transit_gateway_attachment_id):
        attachment = self.transit_gateway_attachments.get(transit_gateway_attachment_id)
        if attachment is not None:
            _advance(attachment)
            if attachment.state != "pendingAcceptance":
                raise EC2ClientError(
                    "IncorrectState",
                    f"tgw-attachment {transit_gateway_attachment_id} is in invalid state {attachment.state}",
                )
        attachment = orig_accept(self, transit_gateway_attachment_id)
        if PHASE_SECONDS > 0:
            attachment.state = "pending"
            attachment._tgwp_phase = ("pending", time.time())
        return attachment

    def advancing(orig):
        def wrapper(self, *args, **kwargs):
            for a in self.transit_gateway_attachments.values():
                _advance(a)
            return orig(self, *args, **kwargs)

        return wrapper

    orig_describe_peerings = att.describe_transit_gateway_peering_attachments

    def describe_peerings(self, *args, **kwargs):
        return [
            a
            for a in orig_describe_peerings(self, *args, **kwargs)
            if getattr(a, "resource_type", "peering") == "peering"
        ]

    att.describe_transit_gateway_peering_attachments = advancing(describe_peerings)
    att.describe_transit_gateway_attachments = advancing(att.describe_transit_gateway_attachments)
    att.create_transit_gateway_peering_attachment = create_peering
    att.accept_transit_gateway_peering_attachment = accept

    def create_route(
        self,
        transit_gateway_route_table_id,
        destination_cidr_block,
        transit_gateway_attachment_id=None,
        blackhole=False,
    ):
        table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
        if table is None:
            raise EC2ClientError(
                "InvalidRouteTableID.NotFound",
                f"The routeTable ID '{transit_gateway_route_table_id}' does not exist",
            )
        existing = table.routes.get(destination_cidr_block)
        if existing is not None and existing.get("state") != "deleted":
            raise EC2ClientError(
                "RouteAlreadyExists",
                f"Route {destination_cidr_block} already exists in Transit Gateway Route Table {transit_gateway_route_table_id}",
            )
        route = {
            "destinationCidrBlock": destination_cidr_block,
            "prefixListId": None,
            "state": "blackhole" if blackhole else "active",
            "type": "static",
        }
        if not blackhole:
            attachment = self.transit_gateway_attachments.get(transit_gateway_attachment_id)
            if attachment is None:
                raise EC2ClientError(
                    "InvalidTransitGatewayAttachmentID.NotFound",
                    f"Transit Gateway Attachment {transit_gateway_attachment_id} not found",
                )
            _advance(attachment)
            if attachment.state != "available":
                raise EC2ClientError(
                    "IncorrectState",
                    f"tgw-attachment {transit_gateway_attachment_id} is in invalid state {attachment.state}",
                )
            route["transitGatewayAttachments"] = [
                {
                    "resourceId": attachment.resource_id,
                    "resourceType": attachment.resource_type,
                    "transitGatewayAttachmentId": transit_gateway_attachment_id,
                }
            ]
        table.routes[destination_cidr_block] = route
        return route

    orig_delete_route = rt.delete_transit_gateway_route

    def delete_route(self, transit_gateway_route_table_id, destination_cidr_block):
        table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
        if table is None or destination_cidr_block not in table.routes:
            raise EC2ClientError(
                "InvalidRoute.NotFound",
                f"No route with destination-cidr-block {destination_cidr_block} in Transit Gateway Route Table {transit_gateway_route_table_id}",
            )
        return orig_delete_route(self, transit_gateway_route_table_id, destination_cidr_block)

    rt.create_transit_gateway_route = create_route
    rt.delete_transit_gateway_route = delete_route


if __name__ == "__main__":
    if os.environ.get("TGW_EMULATOR_PLAIN") != "1":
        patch()
    main(sys.argv[1:])
