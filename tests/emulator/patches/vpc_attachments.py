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
  it become blackholes (see routes), in every account that lists it (the
  gateway owner and, for a VPC of another account, the VPC owner; see
  shared_gateways). An unknown attachment fails with
  `InvalidTransitGatewayAttachmentID.NotFound`, not HTTP 500.
* Options (API reference CreateTransitGatewayVpcAttachmentRequestOptions,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html,
  and ModifyTransitGatewayVpcAttachmentRequestOptions,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayVpcAttachmentRequestOptions.html):
  `Ipv6Support` ("Specifies whether IPv6 support is enabled for the
  attachment. ... When disabled, the network interface does not receive an
  IPv6 address, and IPv6 routes do not propagate. ... The default is
  disable"), `ApplianceModeSupport`, `DnsSupport`,
  `SecurityGroupReferencingSupport`: "Valid Values: enable | disable"; another
  value fails with `InvalidParameterValue` (moto stores anything). moto keeps
  the options, defaults included, and returns them in `Options`
  (TransitGatewayVpcAttachmentOptions) from Create, Modify and
  DescribeTransitGatewayVpcAttachments; its `transit-gateway-attachment-id`
  filter takes several values. What Ipv6Support does to propagated routes is
  in routes.
* ModifyTransitGatewayVpcAttachment changes the options given and keeps the
  others (moto's behaviour); an unknown attachment, or one that is not a VPC
  attachment, fails with `InvalidTransitGatewayAttachmentID.NotFound` (moto:
  HTTP 500). A change of Ipv6Support shows in the propagated routes at once
  (AWS documents no delay; the attachment's `modifying` state is not modelled).
* DescribeTransitGatewayVpcAttachments ("Describes one or more VPC
  attachments", API reference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayVpcAttachments.html)
  lists VPC attachments only; moto lists peering attachments too.
"""

from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend

from . import common, config, routes
from .associations import enable_propagation

OPTIONS = ("ApplianceModeSupport", "DnsSupport", "Ipv6Support", "SecurityGroupReferencingSupport")


def check_options(options):
    """Each documented option is `enable` or `disable`."""
    for name, value in (options or {}).items():
        if name in OPTIONS and value not in ("enable", "disable"):
            raise common.error(
                "InvalidParameterValue",
                f"Value ({value}) for parameter Options.{name} is invalid. "
                "Valid values: enable, disable",
            )


def vpc_attachment_not_found(attachment_id):
    return common.error(
        "InvalidTransitGatewayAttachmentID.NotFound",
        f"Transit Gateway Attachment {attachment_id} was deleted or does not exist.",
    )


def provision(backend, attachment):
    """Associates and propagates `attachment` as its gateway's options say,
    in the gateway owner's `backend`, then makes it `available`, after
    `pending` for TGW_EMULATOR_ATTACHMENT_SECONDS."""
    opts = backend.transit_gateways[attachment.transit_gateway_id].options
    if opts.get("DefaultRouteTableAssociation") == "enable":
        table = backend.transit_gateways_route_tables.get(opts.get("AssociationDefaultRouteTableId"))
        if table is not None:
            common.associate(backend, table, attachment)
    if opts.get("DefaultRouteTablePropagation") == "enable":
        table = backend.transit_gateways_route_tables.get(opts.get("PropagationDefaultRouteTableId"))
        if table is not None:
            enable_propagation(backend, table, attachment)
    attachment.state = "available"
    if config.ATTACHMENT_SECONDS > 0:
        common.start_phase(attachment, "pending", config.ATTACHMENT_SECONDS)


def apply():
    backend = TransitGatewayAttachmentBackend
    orig_create = backend.create_transit_gateway_vpc_attachment
    orig_delete = backend.delete_transit_gateway_vpc_attachment
    orig_modify = backend.modify_transit_gateway_vpc_attachment
    orig_describe = backend.describe_transit_gateway_vpc_attachments

    @common.locked
    def create_vpc_attachment(self, transit_gateway_id, vpc_id, subnet_ids, tags=None, options=None):
        check_options(options)
        attachment = orig_create(
            self, transit_gateway_id=transit_gateway_id, vpc_id=vpc_id,
            subnet_ids=subnet_ids, tags=tags, options=options,
        )
        for table in common.tables_of(self, transit_gateway_id):
            table.route_table_associations.pop(attachment.id, None)
        provision(self, attachment)
        return attachment

    @common.locked
    def delete_vpc_attachment(self, transit_gateway_attachment_id):
        common.get_attachment(self, transit_gateway_attachment_id)
        holders = [b for b in common.backends()
                   if transit_gateway_attachment_id in b.transit_gateway_attachments]
        attachment = orig_delete(self, transit_gateway_attachment_id)
        for holder in holders:
            holder.transit_gateway_attachments.pop(transit_gateway_attachment_id, None)
            common.forget_attachment(holder, transit_gateway_attachment_id)
            routes.blackhole_routes_to(holder, transit_gateway_attachment_id)
        return attachment

    @common.locked
    def modify_vpc_attachment(self, transit_gateway_attachment_id, add_subnet_ids=None,
                              options=None, remove_subnet_ids=None):
        if transit_gateway_attachment_id not in self.transit_gateway_attachments:
            raise vpc_attachment_not_found(transit_gateway_attachment_id)
        attachment = common.get_attachment(self, transit_gateway_attachment_id)
        if attachment.resource_type != "vpc":
            raise vpc_attachment_not_found(transit_gateway_attachment_id)
        check_options(options)
        return orig_modify(
            self, transit_gateway_attachment_id, add_subnet_ids=add_subnet_ids,
            options=options, remove_subnet_ids=remove_subnet_ids,
        )

    def describe_vpc_attachments(self, *args, **kwargs):
        common.advance_backend(self)
        return [a for a in orig_describe(self, *args, **kwargs) if a.resource_type == "vpc"]

    backend.create_transit_gateway_vpc_attachment = create_vpc_attachment
    backend.delete_transit_gateway_vpc_attachment = delete_vpc_attachment
    backend.modify_transit_gateway_vpc_attachment = modify_vpc_attachment
    backend.describe_transit_gateway_vpc_attachments = describe_vpc_attachments
