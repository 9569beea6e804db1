"""Transit gateways shared through AWS RAM: a VPC of another account attached
to the gateway of its owner.

The model: account A owns a transit gateway and shares it through AWS RAM with
account B, in the same Region ("You can use AWS Resource Access Manager (RAM)
to share a transit gateway for VPC attachments across accounts or across your
organization", Transit gateway sharing considerations,
https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-share.html; the
resource type is `ec2:TransitGateway`, AWS RAM User Guide, Shareable AWS
resources, https://docs.aws.amazon.com/ram/latest/userguide/shareable.html,
also listed in Leaving a resource share,
https://docs.aws.amazon.com/ram/latest/userguide/working-with-shared-leave.html).
The emulator has no RAM: TGW_EMULATOR_RAM_SHARED_WITH (account IDs, or `*`)
shares every transit gateway with those accounts, as a resource share with the
organization would.

* CreateTransitGatewayVpcAttachment by B, with A's gateway and B's VPC and
  subnets (API reference CreateTransitGatewayVpcAttachment,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachment.html;
  AWS re:Post Knowledge Center, How do I create an Amazon VPC attachment in
  Transit Gateway for a transit gateway that's in another account?,
  https://repost.aws/knowledge-center/transit-gateway-vpc-cross-account):
  accepted when A's gateway is shared with B; else, or when no account of the
  Region has that gateway, `InvalidTransitGatewayID.NotFound` (HTTP 400), as
  for an unknown gateway. B's VPC and subnets must exist in B (`InvalidVpcID.NotFound`,
  `InvalidSubnetID.NotFound`).
* The attachment lives in A's account and Region: A's
  DescribeTransitGatewayAttachments (API reference,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayAttachments.html)
  lists it with `ResourceType` vpc, `ResourceId` B's VPC, `ResourceOwnerId` B
  and `TransitGatewayOwnerId` A
  ("The ID of the AWS account that owns the resource" / "... that owns the
  transit gateway", API reference TransitGatewayAttachment,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayAttachment.html);
  A's DescribeTransitGatewayVpcAttachments lists it with `VpcOwnerId` B (API
  reference TransitGatewayVpcAttachment,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayVpcAttachment.html).
  B's DescribeTransitGatewayVpcAttachments and DescribeTransitGatewayAttachments
  list it too (the same object, as moto does for a cross-account peering),
  without an association: the route tables are A's. B's VPC and its tags stay
  visible to B only (DescribeVpcs, "Describes your VPCs").
* Acceptance: with the gateway's AutoAcceptSharedAttachments `disable` (the
  default: "Enable or disable automatic acceptance of attachment requests.
  Disabled by default.", API reference TransitGatewayRequestOptions,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRequestOptions.html)
  the attachment starts `pendingAcceptance`, with no association, propagation
  or route. AcceptTransitGatewayVpcAttachment by A ("The VPC attachment must
  be in the pendingAcceptance state", API reference
  AcceptTransitGatewayVpcAttachment,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AcceptTransitGatewayVpcAttachment.html)
  then provisions it as a same-account attachment is provisioned at once
  (see vpc_attachments): `pending` for TGW_EMULATOR_ATTACHMENT_SECONDS, then
  `available`, associated and propagating as the gateway's default route
  table options say. With `enable` that happens at creation. Accepting in any
  other state fails with `IncorrectState`; accepting from an account that
  does not own the gateway (B) fails with
  `InvalidTransitGatewayAttachmentID.NotFound` (AWS documents no code; chosen).
* Routes: the VPC's CIDR blocks are read from B's account and propagate into
  A's route tables like a same-account VPC's (see routes).
* DeleteTransitGatewayVpcAttachment by B or by A deletes it in both accounts,
  with the effects of vpc_attachments' delete ("The transit gateway owner and
  the shared account owner have permission to delete the transit gateway
  attachment", AWS re:Post Knowledge Center, How do I share my transit gateway
  with another account or within an AWS Organization?,
  https://repost.aws/knowledge-center/transit-gateway-sharing).

Not modelled: RejectTransitGatewayVpcAttachment; DescribeTransitGateways does
not list a gateway shared with the caller; unsharing.
"""

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidTransitGatewayID
from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend
from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment

from . import common, config, vpc_attachments
from .common import error


def owner_backend(backend, transit_gateway_id):
    """The backend (account, this Region) whose transit gateway
    `transit_gateway_id` is, if it is shared with `backend`'s account; else
    `InvalidTransitGatewayID.NotFound`, as for an unknown gateway."""
    for owner in common.backends():
        if owner.region_name != backend.region_name or owner is backend:
            continue
        if transit_gateway_id in owner.transit_gateways and config.shared_with(backend.account_id):
            return owner
    raise InvalidTransitGatewayID(transit_gateway_id)


def hold_for_acceptance(owner, attachment):
    """Puts a new attachment in `pendingAcceptance`: no association,
    propagation or timed phase until the gateway owner accepts it."""
    common.forget_attachment(owner, attachment.id)
    attachment._tgwp_phase = None
    attachment.state = "pendingAcceptance"


def auto_accepts(owner, transit_gateway_id):
    options = owner.transit_gateways[transit_gateway_id].options
    return options.get("AutoAcceptSharedAttachments") == "enable"


@common.locked
def accept_vpc_attachment(self, transit_gateway_attachment_id):
    attachment = common.get_attachment(self, transit_gateway_attachment_id)
    if attachment.resource_type != "vpc" or attachment.transit_gateway_id not in self.transit_gateways:
        # Only the gateway owner accepts; the VPC owner lists it but cannot.
        raise error(
            "InvalidTransitGatewayAttachmentID.NotFound",
            f"Transit Gateway Attachment {attachment.id} was deleted or does not exist.",
        )
    if attachment.state != "pendingAcceptance":
        raise common.incorrect_state(attachment)
    vpc_attachments.provision(self, attachment)
    return attachment


def accept_transit_gateway_vpc_attachment(self):
    attachment = self.ec2_backend.accept_transit_gateway_vpc_attachment(
        self._get_param("TransitGatewayAttachmentId")
    )
    return ActionResult({"TransitGatewayVpcAttachment": attachment})


def apply():
    backend = TransitGatewayAttachmentBackend
    same_account_create = backend.create_transit_gateway_vpc_attachment

    @common.locked
    def create_vpc_attachment(self, transit_gateway_id, vpc_id, subnet_ids, tags=None, options=None):
        if transit_gateway_id in self.transit_gateways:
            return same_account_create(self, transit_gateway_id, vpc_id, subnet_ids, tags, options)
        owner = owner_backend(self, transit_gateway_id)
        self.get_vpc(vpc_id)
        for subnet_id in subnet_ids or []:
            self.get_subnet(subnet_id)
        attachment = same_account_create(owner, transit_gateway_id, vpc_id, subnet_ids, tags, options)
        attachment.resource_owner_id = self.account_id
        if not auto_accepts(owner, transit_gateway_id):
            hold_for_acceptance(owner, attachment)
        self.transit_gateway_attachments[attachment.id] = attachment
        return attachment

    backend.create_transit_gateway_vpc_attachment = create_vpc_attachment
    backend.accept_transit_gateway_vpc_attachment = accept_vpc_attachment
    TransitGatewayAttachment.accept_transit_gateway_vpc_attachment = (
        accept_transit_gateway_vpc_attachment
    )
