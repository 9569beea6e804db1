"""Builds the demo's two-Region world on the emulator at $AWS_ENDPOINT_URL:
a transit gateway per Region, three tagged VPCs in each (one with a
secondary CIDR, one tagged `True`), an untagged VPC and one tagged `false`."""

import os

import boto3

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
WORLD = {
    "us-east-1": ("10.10", "100.64.0.0/20"),
    "eu-west-1": ("10.20", "100.65.0.0/20"),
}


def tags(value):
    return [{"ResourceType": "vpc", "Tags": [{"Key": "addToTransitGateway", "Value": value}]}]


for region, (prefix, secondary) in WORLD.items():
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=ENDPOINT)
    tgw = ec2.create_transit_gateway(Description=f"demo {region}")["TransitGateway"]
    print(f"{region}: transit gateway {tgw['TransitGatewayId']}")
    for i, value in enumerate(["true", "true", "True"]):
        vpc = ec2.create_vpc(CidrBlock=f"{prefix}.{i}.0/24", TagSpecifications=tags(value))["Vpc"]
        extra = ""
        if i == 0:
            ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], CidrBlock=secondary)
            extra = f" + {secondary}"
        print(f"{region}:   {vpc['VpcId']} {prefix}.{i}.0/24{extra} tagged {value}")
    vpc = ec2.create_vpc(CidrBlock=f"{prefix}.100.0/24")["Vpc"]
    print(f"{region}:   {vpc['VpcId']} {prefix}.100.0/24 untagged")
    vpc = ec2.create_vpc(CidrBlock=f"{prefix}.101.0/24", TagSpecifications=tags("false"))["Vpc"]
    print(f"{region}:   {vpc['VpcId']} {prefix}.101.0/24 tagged false")
