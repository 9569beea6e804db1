"""Builds the demo's two-Region world on the emulator at $AWS_ENDPOINT_URL:
a transit gateway per Region, three tagged VPCs in each (one with a
secondary CIDR, one tagged `True`), an untagged VPC and one tagged `false`,
each attached to its Region's transit gateway (a tagged VPC is advertised
only with an available attachment), its main route table sending 10.0.0.0/8
and 100.64.0.0/10 to the gateway (what `tgw-peering verify` checks). `python demo_world.py attach REGION
CIDR [TAG]` makes one more attached VPC and prints its id."""

import os
import sys

import boto3

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
WORLD = {
    "us-east-1": ("10.10", "100.64.0.0/20"),
    "eu-west-1": ("10.20", "100.65.0.0/20"),
}


def tags(value):
    return [{"ResourceType": "vpc", "Tags": [{"Key": "addToTransitGateway", "Value": value}]}]


def attached_vpc(ec2, tgw, cidr, tag=None):
    """A VPC of `cidr`, tagged if `tag`, attached to `tgw` with a subnet of
    its whole block. Returns its id."""
    spec = {"TagSpecifications": tags(tag)} if tag else {}
    vpc = ec2.create_vpc(CidrBlock=cidr, **spec)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    for block in ("10.0.0.0/8", "100.64.0.0/10"):
        ec2.create_route(RouteTableId=tables[0]["RouteTableId"], DestinationCidrBlock=block, TransitGatewayId=tgw)
    return vpc


def gateway(ec2):
    return ec2.describe_transit_gateways()["TransitGateways"][0]["TransitGatewayId"]


def build():
    for region, (prefix, secondary) in WORLD.items():
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=ENDPOINT)
        tgw = ec2.create_transit_gateway(Description=f"demo {region}")["TransitGateway"]["TransitGatewayId"]
        print(f"{region}: transit gateway {tgw}")
        for i, value in enumerate(["true", "true", "True"]):
            vpc = attached_vpc(ec2, tgw, f"{prefix}.{i}.0/24", value)
            extra = ""
            if i == 0:
                ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=secondary)
                extra = f" + {secondary}"
            print(f"{region}:   {vpc} {prefix}.{i}.0/24{extra} tagged {value}, attached")
        vpc = attached_vpc(ec2, tgw, f"{prefix}.100.0/24")
        print(f"{region}:   {vpc} {prefix}.100.0/24 untagged, attached")
        vpc = attached_vpc(ec2, tgw, f"{prefix}.101.0/24", "false")
        print(f"{region}:   {vpc} {prefix}.101.0/24 tagged false, attached")


if __name__ == "__main__":
    if sys.argv[1:2] == ["attach"]:
        region, cidr = sys.argv[2], sys.argv[3]
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=ENDPOINT)
        print(attached_vpc(ec2, gateway(ec2), cidr, sys.argv[4] if len(sys.argv) > 4 else None))
    else:
        build()
