"""The patches that bring moto 5.2.5 closer to the documented EC2 (and STS) behaviour,
one module per concern; each module's docstring lists its patches and the AWS
page each follows. `apply()` installs them all (server.py calls it unless
TGW_EMULATOR_PLAIN=1); the settings are in `config`.

    common           shared machinery: errors, timed phases, sides of a peering, paging
    gateways         ModifyTransitGateway `modifying`, route table `pending`, DescribeTransitGatewayRouteTables
    peering          peering phases, one live peering per gateway pair, auto-association
    vpc_attachments  VPC attachment lifecycle, default association and propagation, options
    shared_gateways  gateways shared through RAM: VPCs of other accounts, acceptance
    routes           static and propagated routes, blackholes, Replace-, SearchTransitGatewayRoutes
    associations     route table associations and propagations, DescribeTransitGatewayAttachments
    vpcs             VPC CIDR block association states
    vpc_routes       VPC route tables: routes quota (prefix lists at MaxEntries), duplicates
    prefix_lists     customer-managed prefix lists (resizes that fail), transit gateway
                     prefix-list references
    tags             EC2 tag limits: key and value lengths on CreateTags and at creation
    sts_trust        AssumeRole refused unless the role's trust policy allows the external ID
"""

from . import (
    associations, gateways, peering, prefix_lists, routes, shared_gateways, sts_trust, tags,
    vpc_attachments, vpc_routes, vpcs,
)


def apply():
    # shared_gateways wraps vpc_attachments' CreateTransitGatewayVpcAttachment.
    for module in (gateways, routes, associations, vpc_attachments, shared_gateways, peering,
                   vpcs, vpc_routes, prefix_lists, tags, sts_trust):
        module.apply()
