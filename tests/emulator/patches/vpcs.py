"""VPC CIDR blocks.

* AssociateVpcCidrBlock: the new IPv4 or IPv6 block stays `associating`
  (`CidrBlockState` / `Ipv6CidrBlockState`) for TGW_EMULATOR_CIDR_SECONDS
  (default 0: at once, as moto does), then reads `associated` in DescribeVpcs
  ("When you add or remove a CIDR block, it can go through various states:
  associating | associated | disassociating | disassociated | failing |
  failed. The CIDR block is ready for you to use when it's in the associated
  state", Amazon VPC user guide,
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html). Only
  `associated` blocks propagate to transit gateway route tables.
* DescribeVpcs already shows only the calling account's VPCs in moto (one
  backend per account and Region; API reference: "Describes your VPCs"): no
  patch, a test holds it.
"""

import time

from moto.ec2.models.vpcs import VPCBackend

from . import common, config


def apply():
    orig_associate = VPCBackend.associate_vpc_cidr_block
    orig_describe = VPCBackend.describe_vpcs

    def associate_vpc_cidr_block(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block):
        association = orig_associate(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block)
        if config.CIDR_SECONDS > 0:
            association["cidr_block_state"]["state"] = "associating"
            association["_tgwp_since"] = time.time()
        return association

    def describe_vpcs(self, vpc_ids=None, filters=None):
        for vpc in list(self.vpcs.values()):
            common.advance_cidrs(vpc)
        return orig_describe(self, vpc_ids=vpc_ids, filters=filters)

    VPCBackend.associate_vpc_cidr_block = associate_vpc_cidr_block
    VPCBackend.describe_vpcs = describe_vpcs
