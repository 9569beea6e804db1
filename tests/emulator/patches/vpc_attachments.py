"""Transit gateway VPC attachments.

* CreateTransitGatewayVpcAttachment: the attachment starts `pending` and
  becomes `available` after TGW_EMULATOR_ATTACHMENT_SECONDS (default 0: at
  once, as moto does), lazily when read ("Pending: A request for a VPC
  attachment has been initiated and is in the provisioning process. At this
  stage, the attachment can fail, or can go to available", Transit Gateway
  guide, VPC attachment lifecycle,
  https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html).
* It is associated with the gateway's default association route table only
  when the gateway has DefaultRouteTableAssociation `enable`, and propagates
  to its default propagation route table (PropagationDefaultRouteTableId) when
  DefaultRouteTablePropagation is `enable` ("Default route table
  association: automatically associate transit gateway attachments with the
  default route table"; "Default route table propagation: automatically
  propagate transit gateway attachments to the default route table",
  https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html). moto
  always associates and never propagates.
* DeleteTransitGatewayVpcAttachment: the attachment's associations and
  propagations go, so do its propagated routes, and the static routes toward
  it become blackholes (see routes). An unknown attachment fails with
  `InvalidTransitGatewayAttachmentID.NotFound`, not HTTP 500.
"""

from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend

from . import common, config, routes
from .associations import enable_propagation


def apply():
    backend = TransitGatewayAttachmentBackend
    orig_create = backend.create_transit_gateway_vpc_attachment
    orig_delete = backend.delete_transit_gateway_vpc_attachment

    @common.locked
    def create_vpc_attachment(self, transit_gateway_id, vpc_id, subnet_ids, tags=None, options=None):
        attachment = orig_create(
            self, transit_gateway_id=transit_gateway_id, vpc_id=vpc_id,
            subnet_ids=subnet_ids, tags=tags, options=options,
        )
        gateway = self.transit_gateways[transit_gateway_id]
        for table in common.tables_of(self, gateway.id):
            table.route_table_associations.pop(attachment.id, None)
        opts = gateway.options
        if opts.get("DefaultRouteTableAssociation") == "enable":
            table = self.transit_gateways_route_tables.get(opts.get("AssociationDefaultRouteTableId"))
            if table is not None:
                common.associate(self, table, attachment)
        if opts.get("DefaultRouteTablePropagation") == "enable":
            table = self.transit_gateways_route_tables.get(opts.get("PropagationDefaultRouteTableId"))
            if table is not None:
                enable_propagation(self, table, attachment)
        if config.ATTACHMENT_SECONDS > 0:
            common.start_phase(attachment, "pending", config.ATTACHMENT_SECONDS)
        return attachment

    @common.locked
    def delete_vpc_attachment(self, transit_gateway_attachment_id):
        common.get_attachment(self, transit_gateway_attachment_id)
        attachment = orig_delete(self, transit_gateway_attachment_id)
        common.forget_attachment(self, transit_gateway_attachment_id)
        routes.blackhole_routes_to(self, transit_gateway_attachment_id)
        return attachment

    def advancing(orig):
        def wrapper(self, *args, **kwargs):
            common.advance_backend(self)
            return orig(self, *args, **kwargs)
        return wrapper

    backend.create_transit_gateway_vpc_attachment = create_vpc_attachment
    backend.delete_transit_gateway_vpc_attachment = delete_vpc_attachment
    backend.describe_transit_gateway_vpc_attachments = advancing(
        backend.describe_transit_gateway_vpc_attachments
    )
