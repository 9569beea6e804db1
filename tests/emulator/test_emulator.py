"""Tests of the EC2 emulator (tests/emulator/server.py): each test starts from
what AWS documents and checks the patched moto does the same. boto3 talks to a
server started on a free port of 127.0.0.1, one per distinct environment.

    python tests/emulator/test_emulator.py        (make test-emulator)
"""

import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
OTHER_ACCOUNT = "222222222222"
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


class Emulator:
    """server.py on a free port of 127.0.0.1, with extra environment."""

    def __init__(self, **env):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, SERVER, "-H", "127.0.0.1", "-p", str(self.port)],
            env=dict(os.environ, **env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the emulator did not start")
                time.sleep(0.1)

    def client(self, service="ec2", region="us-east-1", account=None):
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account is not None:
            sts = boto3.client("sts", region_name=region, endpoint_url=self.endpoint, **keys)
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/emulator-test",
                RoleSessionName="emulator-test",
            )["Credentials"]
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                            config=NO_RETRY, **keys)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# One server per distinct environment, shared by the test classes that use it
# (each test builds its own gateways, so they do not meet); stopped at the end.
_EMULATORS = {}


def emulator_for(env):
    key = tuple(sorted(env.items()))
    if key not in _EMULATORS:
        _EMULATORS[key] = Emulator(**env)
    return _EMULATORS[key]


def tearDownModule():
    for emulator in _EMULATORS.values():
        emulator.stop()


class EmulatorTest(unittest.TestCase):
    ENV = {}
    _cidr = 0

    @classmethod
    def setUpClass(cls):
        cls.emulator = emulator_for(cls.ENV)
        cls.ec2 = cls.emulator.client()

    # --- helpers ----------------------------------------------------------

    @classmethod
    def next_cidr(cls, size=16):
        """A fresh 10.x.0.0/size (tests share a server, so CIDRs never repeat)."""
        EmulatorTest._cidr += 1
        return f"10.{EmulatorTest._cidr}.0.0/{size}"

    def assert_error(self, code, call, **kwargs):
        with self.assertRaises(ClientError) as raised:
            call(**kwargs)
        self.assertEqual(raised.exception.response["Error"]["Code"], code)
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        return raised.exception

    def gateway(self, ec2=None, **options):
        ec2 = ec2 or self.ec2
        kwargs = {"Options": options} if options else {}
        tgw = ec2.create_transit_gateway(**kwargs)["TransitGateway"]
        return tgw["TransitGatewayId"], tgw["Options"]["AssociationDefaultRouteTableId"]

    def vpc(self, cidr=None, ec2=None):
        ec2 = ec2 or self.ec2
        vpc = ec2.create_vpc(CidrBlock=cidr or self.next_cidr())["Vpc"]
        return vpc["VpcId"]

    def attach(self, tgw_id, vpc_id, ec2=None, **options):
        ec2 = ec2 or self.ec2
        cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.rsplit("/", 1)[0] + "/24")
        kwargs = {"Options": options} if options else {}
        return ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet["Subnet"]["SubnetId"]],
            **kwargs,
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]

    def routes(self, table, ec2=None, **filters):
        ec2 = ec2 or self.ec2
        names = {"type": "type", "state": "state"}
        spec = [{"Name": names.get(k, k.replace("_", "-")), "Values": v} for k, v in filters.items()]
        if not spec:
            spec = [{"Name": "state", "Values": ["active", "blackhole"]}]
        return ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table, Filters=spec)["Routes"]

    def route_map(self, table, ec2=None):
        return {r["DestinationCidrBlock"]: r for r in self.routes(table, ec2=ec2)
                if "DestinationCidrBlock" in r}

    def peering(self, requester, accepter, accept=True):
        """A peering between two (client, region, tgw_id) sides, accepted by default."""
        (ec2_a, region_a, tgw_a), (ec2_b, region_b, tgw_b) = requester, accepter
        account_b = self.emulator.client("sts", region_b).get_caller_identity()["Account"]
        attachment = ec2_a.create_transit_gateway_peering_attachment(
            TransitGatewayId=tgw_a, PeerTransitGatewayId=tgw_b,
            PeerAccountId=account_b, PeerRegion=region_b,
        )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
        if accept:
            ec2_b.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=attachment)
        return attachment

    def two_regions(self):
        """A gateway in us-east-1 and one in eu-west-1, each (client, region, id, table)."""
        east = self.ec2
        west = self.emulator.client(region="eu-west-1")
        tgw_e, rtb_e = self.gateway(east)
        tgw_w, rtb_w = self.gateway(west)
        return (east, "us-east-1", tgw_e, rtb_e), (west, "eu-west-1", tgw_w, rtb_w)


class SearchTransitGatewayRoutesTest(EmulatorTest):
    """API reference SearchTransitGatewayRoutes: MaxResults 5..1000 (default
    1000), NextToken, AdditionalRoutesAvailable, and its filters."""

    def blackholes(self, table, count):
        for i in range(count):
            self.ec2.create_transit_gateway_route(
                TransitGatewayRouteTableId=table,
                DestinationCidrBlock=f"172.{16 + i // 250}.{i % 250}.0/24", Blackhole=True)

    def search_all(self, table, max_results):
        pages, token = [], None
        while True:
            kwargs = {"NextToken": token} if token else {}
            out = self.ec2.search_transit_gateway_routes(
                TransitGatewayRouteTableId=table, MaxResults=max_results,
                Filters=[{"Name": "type", "Values": ["static"]}], **kwargs)
            pages.append(out)
            token = out.get("NextToken")
            if not token:
                return pages

    def test_max_results_limits_a_page_and_next_token_resumes_in_a_stable_order(self):
        _, table = self.gateway()
        self.blackholes(table, 12)
        pages = self.search_all(table, 5)
        self.assertEqual([len(p["Routes"]) for p in pages], [5, 5, 2])
        self.assertEqual([p["AdditionalRoutesAvailable"] for p in pages], [True, True, False])
        paged = [r["DestinationCidrBlock"] for p in pages for r in p["Routes"]]
        whole = [r["DestinationCidrBlock"] for r in self.routes(table, type=["static"])]
        self.assertEqual(paged, whole)
        self.assertEqual(len(set(paged)), 12)

    def test_a_page_holds_at_most_1000_routes_by_default(self):
        _, table = self.gateway()
        self.blackholes(table, 1001)
        first = self.ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table, Filters=[{"Name": "state", "Values": ["blackhole"]}])
        self.assertEqual(len(first["Routes"]), 1000)
        self.assertTrue(first["AdditionalRoutesAvailable"])
        second = self.ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table, NextToken=first["NextToken"],
            Filters=[{"Name": "state", "Values": ["blackhole"]}])
        self.assertEqual(len(second["Routes"]), 1)
        self.assertFalse(second["AdditionalRoutesAvailable"])
        self.assertNotIn("NextToken", second)

    def test_max_results_above_1000_is_refused(self):
        _, table = self.gateway()
        self.assert_error("InvalidParameterValue", self.ec2.search_transit_gateway_routes,
                          TransitGatewayRouteTableId=table, MaxResults=1001,
                          Filters=[{"Name": "type", "Values": ["static"]}])

    def test_a_token_of_another_route_table_is_refused(self):
        _, table = self.gateway()
        _, other = self.gateway()
        self.blackholes(table, 6)
        token = self.ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table, MaxResults=5,
            Filters=[{"Name": "type", "Values": ["static"]}])["NextToken"]
        self.assert_error("InvalidPaginationToken", self.ec2.search_transit_gateway_routes,
                          TransitGatewayRouteTableId=other, NextToken=token,
                          Filters=[{"Name": "type", "Values": ["static"]}])

    def test_filters_on_type_state_cidr_and_attachment(self):
        tgw, table = self.gateway()
        vpc = self.vpc("10.200.0.0/16")
        attachment = self.attach(tgw, vpc)
        create = self.ec2.create_transit_gateway_route
        create(TransitGatewayRouteTableId=table, DestinationCidrBlock="192.168.0.0/16",
               TransitGatewayAttachmentId=attachment)
        create(TransitGatewayRouteTableId=table, DestinationCidrBlock="192.168.1.0/24",
               Blackhole=True)
        cidrs = lambda **f: sorted(r.get("DestinationCidrBlock") for r in self.routes(table, **f))
        self.assertEqual(cidrs(type=["propagated"]), ["10.200.0.0/16"])
        self.assertEqual(cidrs(type=["static"]), ["192.168.0.0/16", "192.168.1.0/24"])
        self.assertEqual(cidrs(state=["active", "blackhole"]),
                         ["10.200.0.0/16", "192.168.0.0/16", "192.168.1.0/24"])
        self.assertEqual(cidrs(state=["blackhole"]), ["192.168.1.0/24"])
        self.assertEqual(cidrs(**{"route-search.exact-match": ["192.168.0.0/16"]}),
                         ["192.168.0.0/16"])
        self.assertEqual(cidrs(**{"route-search.longest-prefix-match": ["192.168.1.7/32"]}),
                         ["192.168.1.0/24"])
        self.assertEqual(cidrs(**{"route-search.subnet-of-match": ["192.168.0.0/16"]}),
                         ["192.168.0.0/16", "192.168.1.0/24"])
        self.assertEqual(cidrs(**{"route-search.supernet-of-match": ["192.168.1.0/25"]}),
                         ["192.168.0.0/16", "192.168.1.0/24"])
        self.assertEqual(cidrs(**{"attachment.transit-gateway-attachment-id": [attachment]}),
                         ["10.200.0.0/16", "192.168.0.0/16"])
        self.assertEqual(cidrs(**{"attachment.resource-type": ["vpc"]}),
                         ["10.200.0.0/16", "192.168.0.0/16"])
        self.assertEqual(cidrs(**{"attachment.resource-type": ["peering"]}), [])

    def test_each_entry_of_a_referenced_list_is_a_propagated_route_with_its_prefix_list_id(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        prefix_list = self.ec2.create_managed_prefix_list(
            PrefixListName="search", AddressFamily="IPv4", MaxEntries=5,
            Entries=[{"Cidr": "203.0.113.0/24"}, {"Cidr": "198.51.100.0/24"}],
        )["PrefixList"]["PrefixListId"]
        self.ec2.create_transit_gateway_prefix_list_reference(
            TransitGatewayRouteTableId=table, PrefixListId=prefix_list,
            TransitGatewayAttachmentId=attachment)
        found = self.routes(table, **{"prefix-list-id": [prefix_list]})
        self.assertEqual([r["DestinationCidrBlock"] for r in found],
                         ["198.51.100.0/24", "203.0.113.0/24"])
        for route in found:
            self.assertEqual(route["PrefixListId"], prefix_list)
            self.assertEqual(route["Type"], "propagated")
            self.assertEqual(route["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"],
                             attachment)
        # A new version of the list is what the table routes.
        version = self.ec2.describe_managed_prefix_lists(
            PrefixListIds=[prefix_list])["PrefixLists"][0]["Version"]
        self.ec2.modify_managed_prefix_list(
            PrefixListId=prefix_list, CurrentVersion=version,
            RemoveEntries=[{"Cidr": "203.0.113.0/24"}])
        found = self.routes(table, **{"prefix-list-id": [prefix_list]})
        self.assertEqual([r["DestinationCidrBlock"] for r in found], ["198.51.100.0/24"])
        # A static route of the same CIDR takes priority and is the one listed.
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        self.assertEqual(self.routes(table, **{"prefix-list-id": [prefix_list]}), [])
        self.assertEqual(self.route_map(table)["198.51.100.0/24"]["Type"], "static")
        references = self.ec2.get_transit_gateway_prefix_list_references(
            TransitGatewayRouteTableId=table)["TransitGatewayPrefixListReferences"]
        self.assertEqual([r["PrefixListId"] for r in references], [prefix_list])
        self.ec2.delete_transit_gateway_prefix_list_reference(
            TransitGatewayRouteTableId=table, PrefixListId=prefix_list)
        self.assertEqual(self.routes(table, **{"prefix-list-id": [prefix_list]}), [])


class PartialSearchTest(EmulatorTest):
    """TGW_EMULATOR_SEARCH_PARTIAL=N: API reference SearchTransitGatewayRoutes
    documents AdditionalRoutesAvailable ("Indicates whether there are
    additional routes available") and NextToken; users report pages with the
    first and not the second. The switch serves at most N routes a call and
    never a NextToken."""

    ENV = {"TGW_EMULATOR_SEARCH_PARTIAL": "5"}

    def search(self, table, **kwargs):
        return self.ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table,
            Filters=[{"Name": "state", "Values": ["active", "blackhole"]}], **kwargs)

    def test_more_routes_than_n_give_n_and_additional_routes_without_a_token(self):
        _, table = self.gateway()
        for i in range(7):
            self.ec2.create_transit_gateway_route(
                TransitGatewayRouteTableId=table, DestinationCidrBlock=f"172.16.{i}.0/24",
                Blackhole=True)
        for kwargs in ({}, {"MaxResults": 1000}):
            out = self.search(table, **kwargs)
            self.assertEqual(len(out["Routes"]), 5)
            self.assertTrue(out["AdditionalRoutesAvailable"])
            self.assertNotIn("NextToken", out)
        # The same routes each time, the first in the search order.
        self.assertEqual([r["DestinationCidrBlock"] for r in self.search(table)["Routes"]],
                         [f"172.16.{i}.0/24" for i in range(5)])
        # MaxResults below N still limits the page.
        self.assertEqual(len(self.search(table, MaxResults=5)["Routes"]), 5)

    def test_n_routes_or_fewer_come_whole(self):
        _, table = self.gateway()
        for i in range(5):
            self.ec2.create_transit_gateway_route(
                TransitGatewayRouteTableId=table, DestinationCidrBlock=f"172.17.{i}.0/24",
                Blackhole=True)
        out = self.search(table)
        self.assertEqual(len(out["Routes"]), 5)
        self.assertFalse(out["AdditionalRoutesAvailable"])
        self.assertNotIn("NextToken", out)


class PropagatedRoutesTest(EmulatorTest):
    """Transit Gateway guide: a VPC attachment propagates its VPC's CIDR blocks;
    a static route wins over a propagated one; an identical CIDR of a second
    VPC is not propagated."""

    def test_a_vpc_attachment_propagates_every_associated_cidr_of_its_vpc(self):
        tgw, table = self.gateway()
        vpc = self.vpc("10.100.0.0/16")
        self.ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.0.0/20")
        ipv6 = self.ec2.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
        ipv6 = ipv6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"]
        # IPv6 blocks propagate only with Ipv6Support (see VpcAttachmentOptionsTest).
        attachment = self.attach(tgw, vpc, Ipv6Support="enable")
        routes = self.route_map(table)
        self.assertEqual(set(routes), {"10.100.0.0/16", "100.64.0.0/20", ipv6})
        for route in routes.values():
            self.assertEqual(route["Type"], "propagated")
            self.assertEqual(route["State"], "active")
            self.assertEqual(route["TransitGatewayAttachments"], [{
                "ResourceId": vpc, "ResourceType": "vpc", "TransitGatewayAttachmentId": attachment,
            }])

    def test_a_gateway_without_default_propagation_propagates_nothing(self):
        tgw, table = self.gateway(DefaultRouteTablePropagation="disable")
        self.attach(tgw, self.vpc())
        self.assertEqual(self.routes(table), [])

    def test_a_gateway_without_default_association_does_not_associate(self):
        tgw, table = self.gateway(DefaultRouteTableAssociation="disable")
        attachment = self.attach(tgw, self.vpc())
        associations = self.ec2.get_transit_gateway_route_table_associations(
            TransitGatewayRouteTableId=table)["Associations"]
        self.assertEqual(associations, [])
        described = self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"][0]
        self.assertNotIn("Association", described)

    def test_an_identical_cidr_of_a_second_attachment_is_not_propagated(self):
        tgw, table = self.gateway()
        cidr = self.next_cidr()
        first = self.attach(tgw, self.vpc(cidr))
        second = self.attach(tgw, self.vpc(cidr))
        route = self.route_map(table)[cidr]
        self.assertEqual(route["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"], first)
        self.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first)
        route = self.route_map(table)[cidr]
        self.assertEqual(route["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"], second)

    def test_a_static_route_overrides_a_propagated_route_of_the_same_cidr(self):
        tgw, table = self.gateway()
        cidr = self.next_cidr()
        propagating = self.attach(tgw, self.vpc(cidr))
        other = self.attach(tgw, self.vpc())
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock=cidr,
            TransitGatewayAttachmentId=other)
        routes = [r for r in self.routes(table) if r.get("DestinationCidrBlock") == cidr]
        self.assertEqual(len(routes), 1)
        self.assertEqual(routes[0]["Type"], "static")
        self.assertEqual(routes[0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"], other)
        self.ec2.delete_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock=cidr)
        route = self.route_map(table)[cidr]
        self.assertEqual(route["Type"], "propagated")
        self.assertEqual(route["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"], propagating)

    def test_propagation_to_a_named_table_installs_routes_until_disabled(self):
        tgw, _ = self.gateway(DefaultRouteTablePropagation="disable")
        table = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        cidr = self.next_cidr()
        attachment = self.attach(tgw, self.vpc(cidr))
        self.assertEqual(self.routes(table), [])
        self.ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        self.assertEqual(self.route_map(table)[cidr]["Type"], "propagated")
        self.assert_error("TransitGatewayRouteTablePropagation.Duplicate",
                          self.ec2.enable_transit_gateway_route_table_propagation,
                          TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        self.ec2.disable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        self.assertEqual(self.routes(table), [])

    def test_propagated_routes_disappear_with_their_attachment(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.assertEqual(len(self.routes(table)), 1)
        self.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        self.assertEqual(self.routes(table), [])
        propagations = self.ec2.get_transit_gateway_route_table_propagations(
            TransitGatewayRouteTableId=table)["TransitGatewayRouteTablePropagations"]
        self.assertEqual(propagations, [])


class VpcAttachmentOptionsTest(EmulatorTest):
    """API reference CreateTransitGatewayVpcAttachmentRequestOptions /
    ModifyTransitGatewayVpcAttachmentRequestOptions, Ipv6Support: "When you
    enable route propagation, IPv6 VPC CIDRs propagate to the transit gateway
    route tables. When disabled, ... IPv6 routes do not propagate. The setting
    does not filter IPv6 traffic. The default is disable." Valid values
    enable | disable; DescribeTransitGatewayVpcAttachments returns
    Options.Ipv6Support and filters on transit-gateway-attachment-id."""

    def dual_stack_vpc(self):
        vpc = self.vpc()
        ipv6 = self.ec2.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
        v6 = ipaddress.ip_network(ipv6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
        v4 = self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"]
        return vpc, v4, v6

    def propagated(self, table, attachment):
        return {ipaddress.ip_network(r["DestinationCidrBlock"])
                for r in self.routes(table, type=["propagated"])
                if r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == attachment}

    def ipv6_support(self, *attachments):
        described = self.ec2.describe_transit_gateway_vpc_attachments(Filters=[{
            "Name": "transit-gateway-attachment-id", "Values": list(attachments)}])
        return {a["TransitGatewayAttachmentId"]: a["Options"]["Ipv6Support"]
                for a in described["TransitGatewayVpcAttachments"]}

    def test_ipv6_blocks_propagate_only_with_ipv6_support_enabled(self):
        tgw, table = self.gateway()
        vpc_a, v4_a, v6_a = self.dual_stack_vpc()
        vpc_b, v4_b, v6_b = self.dual_stack_vpc()
        enabled = self.attach(tgw, vpc_a, Ipv6Support="enable")
        default = self.attach(tgw, vpc_b)
        self.assertEqual(self.ipv6_support(enabled, default),
                         {enabled: "enable", default: "disable"})
        self.assertEqual(self.propagated(table, enabled), {ipaddress.ip_network(v4_a), v6_a})
        self.assertEqual(self.propagated(table, default), {ipaddress.ip_network(v4_b)})
        # ModifyTransitGatewayVpcAttachment switches it either way.
        modified = self.ec2.modify_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=default, Options={"Ipv6Support": "enable"},
        )["TransitGatewayVpcAttachment"]
        self.assertEqual(modified["Options"]["Ipv6Support"], "enable")
        self.ec2.modify_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=enabled, Options={"Ipv6Support": "disable"})
        self.assertEqual(self.ipv6_support(enabled, default),
                         {enabled: "disable", default: "enable"})
        self.assertEqual(self.propagated(table, enabled), {ipaddress.ip_network(v4_a)})
        self.assertEqual(self.propagated(table, default), {ipaddress.ip_network(v4_b), v6_b})
        # The setting filters no traffic: a static IPv6 route toward it is kept.
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock=str(v6_a),
            TransitGatewayAttachmentId=enabled)
        self.assertEqual(
            [r["Type"] for r in self.routes(table, **{"route-search.exact-match": [str(v6_a)]})],
            ["static"])

    def test_values_other_than_enable_or_disable_are_refused(self):
        tgw, _ = self.gateway()
        vpc = self.vpc()
        self.assert_error("InvalidParameterValue",
                          lambda: self.attach(tgw, vpc, Ipv6Support="yes"))
        attachment = self.attach(tgw, self.vpc())
        self.assert_error("InvalidParameterValue", self.ec2.modify_transit_gateway_vpc_attachment,
                          TransitGatewayAttachmentId=attachment, Options={"Ipv6Support": "on"})
        self.assertEqual(self.ipv6_support(attachment), {attachment: "disable"})

    def test_only_vpc_attachments_are_described_or_modified(self):
        (east, r_e, tgw_e, _), (west, r_w, tgw_w, _) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        attachment = self.attach(tgw_e, self.vpc())
        listed = [a["TransitGatewayAttachmentId"] for a in
                  east.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]]
        self.assertIn(attachment, listed)
        self.assertNotIn(peering, listed)
        for unknown in (peering, "tgw-attach-0123456789abcdef0"):
            self.assert_error("InvalidTransitGatewayAttachmentID.NotFound",
                              east.modify_transit_gateway_vpc_attachment,
                              TransitGatewayAttachmentId=unknown,
                              Options={"Ipv6Support": "enable"})


class StaticRoutesTest(EmulatorTest):
    """CreateTransitGatewayRoute, ReplaceTransitGatewayRoute and the blackholes
    left by a deleted attachment."""

    def test_a_second_static_route_of_the_same_cidr_is_refused(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        self.assert_error("RouteAlreadyExists", self.ec2.create_transit_gateway_route,
                          TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
                          Blackhole=True)

    def test_replace_points_an_existing_route_at_another_available_attachment(self):
        tgw, table = self.gateway()
        old = self.attach(tgw, self.vpc())
        new_vpc = self.vpc()
        new = self.attach(tgw, new_vpc)
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=old)
        route = self.ec2.replace_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=new)["Route"]
        self.assertEqual(route["State"], "active")
        self.assertEqual(route["TransitGatewayAttachments"], [{
            "ResourceId": new_vpc, "ResourceType": "vpc", "TransitGatewayAttachmentId": new}])
        found = self.route_map(table)["198.51.100.0/24"]
        self.assertEqual(found["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"], new)

    def test_replace_with_blackhole_drops_the_target(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        route = self.ec2.replace_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            Blackhole=True)["Route"]
        self.assertEqual(route["State"], "blackhole")
        self.assertEqual(route.get("TransitGatewayAttachments", []), [])

    def test_replace_of_a_missing_route_fails_with_invalid_route_not_found(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.assert_error("InvalidRoute.NotFound", self.ec2.replace_transit_gateway_route,
                          TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
                          TransitGatewayAttachmentId=attachment)

    def test_replace_toward_a_peering_not_yet_accepted_fails_with_incorrect_state(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, _) = self.two_regions()
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=rtb_e, DestinationCidrBlock="198.51.100.0/24", Blackhole=True)
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w), accept=False)
        self.assert_error("IncorrectState", self.ec2.replace_transit_gateway_route,
                          TransitGatewayRouteTableId=rtb_e, DestinationCidrBlock="198.51.100.0/24",
                          TransitGatewayAttachmentId=peering)

    def test_deleting_a_vpc_attachment_blackholes_the_static_routes_toward_it(self):
        tgw, table = self.gateway()
        second_table = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        attachment = self.attach(tgw, self.vpc())
        for rtb in (table, second_table):
            self.ec2.create_transit_gateway_route(
                TransitGatewayRouteTableId=rtb, DestinationCidrBlock="198.51.100.0/24",
                TransitGatewayAttachmentId=attachment)
        self.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        for rtb in (table, second_table):
            route = self.route_map(rtb)["198.51.100.0/24"]
            self.assertEqual(route["State"], "blackhole")
            self.assertEqual(route.get("TransitGatewayAttachments", []), [])
            self.assertEqual(route["Type"], "static")
        self.ec2.delete_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24")
        self.assertNotIn("198.51.100.0/24", self.route_map(table))

    def test_deleting_a_peering_blackholes_the_routes_of_both_sides(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        east.create_transit_gateway_route(TransitGatewayRouteTableId=rtb_e,
                                          DestinationCidrBlock="10.250.0.0/16",
                                          TransitGatewayAttachmentId=peering)
        west.create_transit_gateway_route(TransitGatewayRouteTableId=rtb_w,
                                          DestinationCidrBlock="10.251.0.0/16",
                                          TransitGatewayAttachmentId=peering)
        west_route = self.route_map(rtb_w, ec2=west)["10.251.0.0/16"]
        self.assertEqual(west_route["TransitGatewayAttachments"][0]["ResourceId"], tgw_e)
        east.delete_transit_gateway_peering_attachment(TransitGatewayAttachmentId=peering)
        for ec2, rtb, cidr in ((east, rtb_e, "10.250.0.0/16"), (west, rtb_w, "10.251.0.0/16")):
            route = self.route_map(rtb, ec2=ec2)[cidr]
            self.assertEqual(route["State"], "blackhole")
            self.assertEqual(route.get("TransitGatewayAttachments", []), [])


def concurrently(count, call, **kwargs):
    """Runs `call(**kwargs)` on `count` threads at once: (successes, error codes)."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        barrier.wait()
        try:
            call(**kwargs)
            results.append(None)
        except ClientError as e:
            results.append(e.response["Error"]["Code"])

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results.count(None), sorted(r for r in results if r)


class ConcurrencyTest(EmulatorTest):
    """Concurrent requests cannot both pass a check: one route per CIDR, one
    peering per pair of gateways."""

    def test_concurrent_creates_of_one_route_leave_one_route_and_errors(self):
        _, table = self.gateway()
        created, errors = concurrently(
            8, self.ec2.create_transit_gateway_route, TransitGatewayRouteTableId=table,
            DestinationCidrBlock="198.51.100.0/24", Blackhole=True)
        self.assertEqual((created, errors), (1, ["RouteAlreadyExists"] * 7))

    def test_concurrent_peering_requests_between_two_gateways_create_one(self):
        (east, _, tgw_e, _), (_, r_w, tgw_w, _) = self.two_regions()
        created, errors = concurrently(
            6, east.create_transit_gateway_peering_attachment, TransitGatewayId=tgw_e,
            PeerTransitGatewayId=tgw_w, PeerAccountId="123456789012", PeerRegion=r_w)
        self.assertEqual((created, errors), (1, ["DuplicateTransitGatewayAttachment"] * 5))


class PeeringTest(EmulatorTest):
    """Transit Gateway quotas: one peering attachment between two gateways."""

    def test_a_second_peering_between_the_same_gateways_is_refused_in_either_direction(self):
        (east, r_e, tgw_e, _), (west, r_w, tgw_w, _) = self.two_regions()
        first = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w), accept=False)
        self.assert_error("DuplicateTransitGatewayAttachment",
                          east.create_transit_gateway_peering_attachment,
                          TransitGatewayId=tgw_e, PeerTransitGatewayId=tgw_w,
                          PeerAccountId="123456789012", PeerRegion=r_w)
        self.assert_error("DuplicateTransitGatewayAttachment",
                          west.create_transit_gateway_peering_attachment,
                          TransitGatewayId=tgw_w, PeerTransitGatewayId=tgw_e,
                          PeerAccountId="123456789012", PeerRegion=r_e)
        west.reject_transit_gateway_peering_attachment(TransitGatewayAttachmentId=first)
        second = self.peering((west, r_w, tgw_w), (east, r_e, tgw_e))
        east.delete_transit_gateway_peering_attachment(TransitGatewayAttachmentId=second)
        self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))

    def test_an_accepted_peering_is_not_associated_by_default(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        for ec2, rtb in ((east, rtb_e), (west, rtb_w)):
            ids = [a["TransitGatewayAttachmentId"] for a in
                   ec2.get_transit_gateway_route_table_associations(
                       TransitGatewayRouteTableId=rtb)["Associations"]]
            self.assertNotIn(peering, ids)


class AssociationsTest(EmulatorTest):
    """Route table associations of VPC and peering attachments, and
    DescribeTransitGatewayAttachments."""

    def test_a_peering_can_be_associated_on_each_side_and_is_listed_there(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        for ec2, rtb, peer in ((east, rtb_e, tgw_w), (west, rtb_w, tgw_e)):
            ec2.associate_transit_gateway_route_table(
                TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=peering)
            associations = ec2.get_transit_gateway_route_table_associations(
                TransitGatewayRouteTableId=rtb)["Associations"]
            self.assertIn({"TransitGatewayAttachmentId": peering, "ResourceId": peer,
                           "ResourceType": "peering", "State": "associated"}, associations)

    def test_associating_an_attachment_that_is_already_associated_fails(self):
        tgw, table = self.gateway()
        other = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        attachment = self.attach(tgw, self.vpc())
        for rtb in (table, other):
            self.assert_error("Resource.AlreadyAssociated",
                              self.ec2.associate_transit_gateway_route_table,
                              TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=attachment)

    def test_a_peering_can_be_disassociated(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, _) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        east.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=rtb_e, TransitGatewayAttachmentId=peering)
        out = east.disassociate_transit_gateway_route_table(
            TransitGatewayRouteTableId=rtb_e, TransitGatewayAttachmentId=peering)["Association"]
        self.assertEqual(out["State"], "disassociating")
        associations = east.get_transit_gateway_route_table_associations(
            TransitGatewayRouteTableId=rtb_e)["Associations"]
        self.assertNotIn(peering, [a["TransitGatewayAttachmentId"] for a in associations])
        self.assert_error("InvalidAssociationID.NotFound",
                          east.disassociate_transit_gateway_route_table,
                          TransitGatewayRouteTableId=rtb_e, TransitGatewayAttachmentId=peering)

    def test_a_vpc_attachment_can_move_to_another_table(self):
        tgw, table = self.gateway()
        other = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        attachment = self.attach(tgw, self.vpc())
        self.ec2.disassociate_transit_gateway_route_table(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        self.ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=other, TransitGatewayAttachmentId=attachment)
        described = self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"][0]
        self.assertEqual(described["Association"],
                         {"TransitGatewayRouteTableId": other, "State": "associated"})

    def test_describe_attachments_shows_each_side_its_own_view_with_the_association(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        west.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=rtb_w, TransitGatewayAttachmentId=peering)
        seen = west.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[peering])["TransitGatewayAttachments"][0]
        self.assertEqual(seen["TransitGatewayId"], tgw_w)
        self.assertEqual(seen["ResourceId"], tgw_e)
        self.assertEqual(seen["ResourceType"], "peering")
        self.assertEqual(seen["ResourceOwnerId"], "123456789012")
        self.assertEqual(seen["State"], "available")
        self.assertEqual(seen["Association"],
                         {"TransitGatewayRouteTableId": rtb_w, "State": "associated"})
        seen = east.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[peering])["TransitGatewayAttachments"][0]
        self.assertEqual((seen["TransitGatewayId"], seen["ResourceId"]), (tgw_e, tgw_w))
        self.assertNotIn("Association", seen)

    def test_describe_attachments_filters_and_pages(self):
        tgw, table = self.gateway()
        vpcs = [self.vpc() for _ in range(6)]
        attachments = [self.attach(tgw, v) for v in vpcs]
        describe = self.ec2.describe_transit_gateway_attachments

        def ids(**kwargs):
            filters = [{"Name": k, "Values": v} for k, v in kwargs.items()]
            return [a["TransitGatewayAttachmentId"]
                    for a in describe(Filters=filters)["TransitGatewayAttachments"]]

        self.assertEqual(ids(**{"transit-gateway-id": [tgw]}), attachments)
        self.assertEqual(ids(**{"transit-gateway-id": [tgw], "resource-id": [vpcs[2]]}),
                         [attachments[2]])
        self.assertEqual(ids(**{"transit-gateway-attachment-id": [attachments[3]]}),
                         [attachments[3]])
        self.assertEqual(ids(**{"transit-gateway-id": [tgw], "resource-type": ["peering"]}), [])
        self.assertEqual(ids(**{"transit-gateway-id": [tgw], "state": ["available"]}), attachments)
        self.assertEqual(ids(**{"transit-gateway-id": [tgw], "state": ["pending"]}), [])
        self.assertEqual(ids(**{"association.transit-gateway-route-table-id": [table]}),
                         attachments)
        filters = [{"Name": "transit-gateway-id", "Values": [tgw]}]
        first = describe(Filters=filters, MaxResults=5)
        second = describe(Filters=filters, MaxResults=5, NextToken=first["NextToken"])
        self.assertEqual(len(first["TransitGatewayAttachments"]), 5)
        self.assertEqual([a["TransitGatewayAttachmentId"] for a in
                          first["TransitGatewayAttachments"] + second["TransitGatewayAttachments"]],
                         attachments)
        self.assertNotIn("NextToken", second)

    def test_route_table_associations_page(self):
        tgw, table = self.gateway()
        attachments = [self.attach(tgw, self.vpc()) for _ in range(6)]
        first = self.ec2.get_transit_gateway_route_table_associations(
            TransitGatewayRouteTableId=table, MaxResults=5)
        second = self.ec2.get_transit_gateway_route_table_associations(
            TransitGatewayRouteTableId=table, MaxResults=5, NextToken=first["NextToken"])
        listed = [a["TransitGatewayAttachmentId"]
                  for a in first["Associations"] + second["Associations"]]
        self.assertEqual(listed, attachments)


class PeeringAutoAssociationTest(EmulatorTest):
    """TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1: an accepted peering is
    associated with each side's default association route table."""

    ENV = {"TGW_EMULATOR_PEERING_AUTO_ASSOCIATE": "1"}

    def test_an_accepted_peering_is_associated_with_each_default_table(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        for ec2, rtb in ((east, rtb_e), (west, rtb_w)):
            ids = [a["TransitGatewayAttachmentId"] for a in
                   ec2.get_transit_gateway_route_table_associations(
                       TransitGatewayRouteTableId=rtb)["Associations"]]
            self.assertIn(peering, ids)
        self.assert_error("Resource.AlreadyAssociated", east.associate_transit_gateway_route_table,
                          TransitGatewayRouteTableId=rtb_e, TransitGatewayAttachmentId=peering)

    def test_a_gateway_without_default_association_gets_no_association(self):
        east, west = self.ec2, self.emulator.client(region="eu-west-1")
        tgw_e, rtb_e = self.gateway(east, DefaultRouteTableAssociation="disable")
        tgw_w, rtb_w = self.gateway(west)
        peering = self.peering((east, "us-east-1", tgw_e), (west, "eu-west-1", tgw_w))
        east_ids = [a["TransitGatewayAttachmentId"] for a in
                    east.get_transit_gateway_route_table_associations(
                        TransitGatewayRouteTableId=rtb_e)["Associations"]]
        west_ids = [a["TransitGatewayAttachmentId"] for a in
                    west.get_transit_gateway_route_table_associations(
                        TransitGatewayRouteTableId=rtb_w)["Associations"]]
        self.assertNotIn(peering, east_ids)
        self.assertIn(peering, west_ids)


class TimedStatesTest(EmulatorTest):
    """Timed phases: peering (TGW_EMULATOR_PHASE_SECONDS), VPC attachment
    (TGW_EMULATOR_ATTACHMENT_SECONDS), CIDR block (TGW_EMULATOR_CIDR_SECONDS)."""

    SECONDS = 1.0
    ENV = {
        "TGW_EMULATOR_PHASE_SECONDS": "1",
        "TGW_EMULATOR_ATTACHMENT_SECONDS": "1",
        "TGW_EMULATOR_CIDR_SECONDS": "1",
        "TGW_EMULATOR_PEERING_AUTO_ASSOCIATE": "1",
    }

    def wait(self):
        time.sleep(self.SECONDS + 0.2)

    def test_a_vpc_attachment_is_pending_then_available_and_only_then_propagates(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        state = lambda: self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"][0]["State"]
        self.assertEqual(state(), "pending")
        self.assertEqual(self.routes(table), [])
        self.assert_error("IncorrectState", self.ec2.create_transit_gateway_route,
                          TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
                          TransitGatewayAttachmentId=attachment)
        self.wait()
        self.assertEqual(state(), "available")
        self.assertEqual([r["Type"] for r in self.routes(table)], ["propagated"])

    def test_an_added_cidr_block_is_associating_then_associated(self):
        vpc = self.vpc()
        v4 = self.ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.16.0/20")
        v6 = self.ec2.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
        self.assertEqual(v4["CidrBlockAssociation"]["CidrBlockState"]["State"], "associating")

        def states():
            described = self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]
            ipv4 = {a["CidrBlock"]: a["CidrBlockState"]["State"]
                    for a in described["CidrBlockAssociationSet"]}
            ipv6 = [a["Ipv6CidrBlockState"]["State"]
                    for a in described["Ipv6CidrBlockAssociationSet"]]
            return ipv4["100.64.16.0/20"], ipv6

        self.assertEqual(states(), ("associating", ["associating"]))
        self.wait()
        self.assertEqual(states(), ("associated", ["associated"]))
        self.assertTrue(v6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])

    def test_only_associated_cidr_blocks_propagate(self):
        tgw, table = self.gateway()
        cidr = self.next_cidr()
        vpc = self.vpc(cidr)
        attachment = self.attach(tgw, vpc)
        self.wait()
        self.ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.32.0/20")
        self.assertEqual(set(self.route_map(table)), {cidr})
        self.wait()
        self.assertEqual(set(self.route_map(table)), {cidr, "100.64.32.0/20"})
        self.assertTrue(attachment)

    def test_a_peering_goes_through_its_timed_phases(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, _) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w), accept=False)
        state = lambda ec2: ec2.describe_transit_gateway_peering_attachments(
            TransitGatewayAttachmentIds=[peering])["TransitGatewayPeeringAttachments"][0]["State"]
        self.assertEqual(state(east), "initiatingRequest")
        self.assert_error("IncorrectState", west.accept_transit_gateway_peering_attachment,
                          TransitGatewayAttachmentId=peering)
        self.wait()
        self.assertEqual(state(west), "pendingAcceptance")
        west.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=peering)
        self.assertEqual(state(west), "pending")
        associated = lambda: [a["TransitGatewayAttachmentId"] for a in
                              east.get_transit_gateway_route_table_associations(
                                  TransitGatewayRouteTableId=rtb_e)["Associations"]]
        self.assertNotIn(peering, associated())
        self.wait()
        self.assertEqual(state(east), "available")
        # TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1: associated once available.
        self.assertIn(peering, associated())


class DescribeVpcsTest(EmulatorTest):
    """API reference DescribeVpcs: "Describes your VPCs"."""

    def test_each_account_sees_only_its_own_vpcs(self):
        mine = self.vpc()
        other_client = self.emulator.client(account=OTHER_ACCOUNT)
        theirs = self.vpc(ec2=other_client)
        my_vpcs = self.ec2.describe_vpcs()["Vpcs"]
        their_vpcs = other_client.describe_vpcs()["Vpcs"]
        self.assertIn(mine, [v["VpcId"] for v in my_vpcs])
        self.assertNotIn(theirs, [v["VpcId"] for v in my_vpcs])
        self.assertIn(theirs, [v["VpcId"] for v in their_vpcs])
        self.assertNotIn(mine, [v["VpcId"] for v in their_vpcs])
        self.assertEqual({v["OwnerId"] for v in their_vpcs}, {OTHER_ACCOUNT})


class PrefixListTest(EmulatorTest):
    """Customer-managed prefix lists (API reference ModifyManagedPrefixList,
    Amazon VPC user guide, managed prefix lists and quotas)."""

    def prefix_list(self, max_entries=3, family="IPv4", entries=None, name="office"):
        return self.ec2.create_managed_prefix_list(
            PrefixListName=name, AddressFamily=family, MaxEntries=max_entries,
            Entries=entries if entries is not None else [{"Cidr": "192.0.2.0/24", "Description": "hq"}],
            TagSpecifications=[{"ResourceType": "prefix-list",
                                "Tags": [{"Key": "team", "Value": "net"}]}],
        )["PrefixList"]

    def entries(self, prefix_list_id, **kwargs):
        return self.ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id, **kwargs)

    def test_a_stale_current_version_is_refused(self):
        pl = self.prefix_list()
        self.ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                                            AddEntries=[{"Cidr": "198.51.100.0/24"}])
        self.assert_error("PrefixListVersionMismatch", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                          AddEntries=[{"Cidr": "203.0.113.0/24"}])

    def test_each_modification_of_the_entries_adds_one_version_and_keeps_the_name(self):
        pl = self.prefix_list()
        modified = self.ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1,
            AddEntries=[{"Cidr": "198.51.100.0/24", "Description": "branch"}],
            RemoveEntries=[{"Cidr": "192.0.2.0/24"}])["PrefixList"]
        self.assertEqual(modified["Version"], 2)
        self.assertEqual(modified["PrefixListName"], "office")
        renamed = self.ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], PrefixListName="offices")["PrefixList"]
        self.assertEqual((renamed["Version"], renamed["PrefixListName"]), (2, "offices"))
        self.assertEqual(self.entries(pl["PrefixListId"])["Entries"],
                         [{"Cidr": "198.51.100.0/24", "Description": "branch"}])
        self.assertEqual(self.entries(pl["PrefixListId"], TargetVersion=1)["Entries"],
                         [{"Cidr": "192.0.2.0/24", "Description": "hq"}])

    def test_entries_beyond_max_entries_are_refused(self):
        pl = self.prefix_list(max_entries=2)
        self.assert_error("PrefixListMaxEntriesExceeded", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                          AddEntries=[{"Cidr": "198.51.100.0/24"}, {"Cidr": "203.0.113.0/24"}])
        self.assert_error("PrefixListMaxEntriesExceeded", self.ec2.create_managed_prefix_list,
                          PrefixListName="full", AddressFamily="IPv4", MaxEntries=1,
                          Entries=[{"Cidr": "198.51.100.0/24"}, {"Cidr": "203.0.113.0/24"}])

    def test_max_entries_can_be_raised_but_not_with_entries_in_the_same_request(self):
        pl = self.prefix_list(max_entries=1)
        self.assert_error("InvalidParameterCombination", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], CurrentVersion=1, MaxEntries=2,
                          AddEntries=[{"Cidr": "198.51.100.0/24"}])
        resized = self.ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], MaxEntries=2)["PrefixList"]
        self.assertEqual((resized["MaxEntries"], resized["Version"]), (2, 1))
        self.ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                                            AddEntries=[{"Cidr": "198.51.100.0/24"}])
        self.assert_error("InvalidParameterValue", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], MaxEntries=1001)
        self.assert_error("InvalidParameterValue", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], MaxEntries=1)

    def test_a_cidr_of_the_other_address_family_is_refused(self):
        pl = self.prefix_list()
        self.assert_error("InvalidParameterValue", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                          AddEntries=[{"Cidr": "2001:db8::/32"}])
        self.assert_error("InvalidParameterValue", self.ec2.create_managed_prefix_list,
                          PrefixListName="v6", AddressFamily="IPv6", MaxEntries=2,
                          Entries=[{"Cidr": "192.0.2.0/24"}])

    def test_more_than_100_entries_in_one_request_are_refused(self):
        pl = self.prefix_list(max_entries=1000, entries=[])
        many = [{"Cidr": f"10.{i // 256}.{i % 256}.0/24"} for i in range(101)]
        self.assert_error("InvalidParameterValue", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=many)

    def test_changing_entries_without_current_version_is_refused(self):
        pl = self.prefix_list()
        self.assert_error("MissingParameter", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], AddEntries=[{"Cidr": "198.51.100.0/24"}])

    def test_entries_keep_their_descriptions_and_page(self):
        entries = [{"Cidr": f"192.0.{i}.0/24", "Description": f"site {i}"} for i in range(7)]
        pl = self.prefix_list(max_entries=10, entries=entries)
        first = self.entries(pl["PrefixListId"], MaxResults=5)
        second = self.entries(pl["PrefixListId"], MaxResults=5, NextToken=first["NextToken"])
        self.assertEqual(first["Entries"] + second["Entries"], entries)
        self.assertNotIn("NextToken", second)

    def test_describe_returns_tags_and_filters_on_id_name_and_owner(self):
        pl = self.prefix_list(name="filtered-list")
        describe = lambda name, value: self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": name, "Values": [value]}])["PrefixLists"]
        by_name = describe("prefix-list-name", "filtered-list")
        self.assertEqual([p["PrefixListId"] for p in by_name], [pl["PrefixListId"]])
        self.assertEqual(by_name[0]["Tags"], [{"Key": "team", "Value": "net"}])
        self.assertEqual([p["PrefixListId"] for p in describe("prefix-list-id", pl["PrefixListId"])],
                         [pl["PrefixListId"]])
        self.assertIn(pl["PrefixListId"],
                      [p["PrefixListId"] for p in describe("owner-id", "123456789012")])
        self.assertNotIn(pl["PrefixListId"],
                         [p["PrefixListId"] for p in describe("owner-id", "AWS")])

    def test_an_unknown_prefix_list_is_not_found(self):
        self.assert_error("InvalidPrefixListID.NotFound", self.ec2.get_managed_prefix_list_entries,
                          PrefixListId="pl-00000000000000000")

    def test_a_deleted_prefix_list_cannot_be_modified(self):
        pl = self.prefix_list()
        self.ec2.delete_managed_prefix_list(PrefixListId=pl["PrefixListId"])
        self.assert_error("InvalidPrefixListID.NotFound", self.ec2.modify_managed_prefix_list,
                          PrefixListId=pl["PrefixListId"], PrefixListName="gone")


class PrefixListResizeTest(EmulatorTest):
    """API reference ModifyManagedPrefixList, MaxEntries: "If any of the
    resources that reference the prefix list cannot support the new maximum
    size, the modify operation fails. Check the state message for the IDs of
    the first ten resources that do not support the new maximum size"; VPC
    user guide: "the previous maximum size is restored".
    TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE=N makes every growth past N fail so."""

    ENV = {"TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE": "10"}

    def describe(self, prefix_list_id):
        return self.ec2.describe_managed_prefix_lists(
            PrefixListIds=[prefix_list_id])["PrefixLists"][0]

    def test_a_resize_past_n_ends_modify_failed_and_the_list_stays_usable(self):
        pl = self.ec2.create_managed_prefix_list(
            PrefixListName="resized", AddressFamily="IPv4", MaxEntries=3,
            Entries=[{"Cidr": "192.0.2.0/24"}])["PrefixList"]["PrefixListId"]
        grown = self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=10)["PrefixList"]
        self.assertEqual((grown["State"], grown["MaxEntries"]), ("modify-complete", 10))
        self.assertNotIn("StateMessage", self.describe(pl))
        failed = self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=11)["PrefixList"]
        self.assertEqual((failed["State"], failed["MaxEntries"]), ("modify-failed", 10))
        described = self.describe(pl)
        self.assertEqual((described["State"], described["MaxEntries"], described["Version"]),
                         ("modify-failed", 10, 1))
        self.assertIn("sg-0123456789abcdef0", described["StateMessage"])
        # The failure is final for that request; the entries can still change.
        changed = self.ec2.modify_managed_prefix_list(
            PrefixListId=pl, CurrentVersion=1,
            AddEntries=[{"Cidr": "198.51.100.0/24"}])["PrefixList"]
        self.assertEqual((changed["State"], changed["Version"]), ("modify-complete", 2))
        self.assertNotIn("StateMessage", self.describe(pl))
        # Shrinking is never refused.
        shrunk = self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=5)["PrefixList"]
        self.assertEqual((shrunk["State"], shrunk["MaxEntries"]), ("modify-complete", 5))


class VpcRouteQuotaTest(EmulatorTest):
    """Amazon VPC quotas: "Routes per route table (non-propagated routes)",
    50 by default (the emulator's TGW_EMULATOR_VPC_ROUTE_QUOTA default),
    "enforced separately for IPv4 routes and IPv6 routes"; a referenced
    prefix list counts its maximum entries; EC2 error codes:
    RouteLimitExceeded, RouteAlreadyExists."""

    def table(self):
        vpc = self.vpc()
        tgw, _ = self.gateway()
        table = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
        return table, tgw

    def prefix_list(self, max_entries, family="IPv4"):
        return self.ec2.create_managed_prefix_list(
            PrefixListName=f"quota-{max_entries}", AddressFamily=family,
            MaxEntries=max_entries)["PrefixList"]["PrefixListId"]

    def routes_to(self, table, tgw, count, third_octet=0):
        for i in range(count):
            self.ec2.create_route(RouteTableId=table, TransitGatewayId=tgw,
                                  DestinationCidrBlock=f"172.{16 + third_octet}.{i}.0/24")

    def test_fifty_routes_per_family_with_a_prefix_list_at_its_max_entries(self):
        table, tgw = self.table()
        self.routes_to(table, tgw, 48)
        big, small = self.prefix_list(3), self.prefix_list(2)
        # 48 + 3 > 50; 48 + 2 = 50 (the local route does not count).
        self.assert_error("RouteLimitExceeded", self.ec2.create_route, RouteTableId=table,
                          DestinationPrefixListId=big, TransitGatewayId=tgw)
        self.ec2.create_route(RouteTableId=table, DestinationPrefixListId=small,
                              TransitGatewayId=tgw)
        error = self.assert_error("RouteLimitExceeded", self.ec2.create_route,
                                  RouteTableId=table, TransitGatewayId=tgw,
                                  DestinationCidrBlock="192.168.0.0/24")
        self.assertIn("limit on the number of routes", error.response["Error"]["Message"])
        # A repeat of an existing route is a duplicate, not a quota error.
        for destination in ({"DestinationCidrBlock": "172.16.0.0/24"},
                            {"DestinationPrefixListId": small}):
            self.assert_error("RouteAlreadyExists", self.ec2.create_route, RouteTableId=table,
                              TransitGatewayId=tgw, **destination)
        # IPv6 routes have their own quota.
        self.ec2.create_route(RouteTableId=table, TransitGatewayId=tgw,
                              DestinationIpv6CidrBlock="2001:db8::/48")
        self.assert_error("RouteAlreadyExists", self.ec2.create_route, RouteTableId=table,
                          TransitGatewayId=tgw, DestinationIpv6CidrBlock="2001:db8::/48")
        # Deleting a route makes room.
        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="172.16.0.0/24")
        self.ec2.create_route(RouteTableId=table, TransitGatewayId=tgw,
                              DestinationCidrBlock="192.168.0.0/24")

    def test_an_unknown_prefix_list_is_not_found(self):
        table, tgw = self.table()
        self.assert_error("InvalidPrefixListID.NotFound", self.ec2.create_route,
                          RouteTableId=table, TransitGatewayId=tgw,
                          DestinationPrefixListId="pl-00000000000000000")

    def test_a_referenced_list_cannot_grow_past_the_tables_quota(self):
        table, tgw = self.table()
        self.routes_to(table, tgw, 40, third_octet=1)
        pl = self.prefix_list(5)
        self.ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl,
                              TransitGatewayId=tgw)
        ok = self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=10)["PrefixList"]
        self.assertEqual((ok["State"], ok["MaxEntries"]), ("modify-complete", 10))
        self.ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=11)
        described = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
        self.assertEqual((described["State"], described["MaxEntries"]), ("modify-failed", 10))
        self.assertIn(table, described["StateMessage"])
        self.assert_error("RouteLimitExceeded", self.ec2.create_route, RouteTableId=table,
                          TransitGatewayId=tgw, DestinationCidrBlock="192.168.0.0/24")


class SmallVpcRouteQuotaTest(EmulatorTest):
    """TGW_EMULATOR_VPC_ROUTE_QUOTA sets the quota (adjustable in AWS)."""

    ENV = {"TGW_EMULATOR_VPC_ROUTE_QUOTA": "2"}

    def test_the_quota_is_the_setting(self):
        vpc = self.vpc()
        tgw, _ = self.gateway()
        table = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
        for cidr in ("172.16.0.0/24", "172.16.1.0/24"):
            self.ec2.create_route(RouteTableId=table, TransitGatewayId=tgw, DestinationCidrBlock=cidr)
        self.assert_error("RouteLimitExceeded", self.ec2.create_route, RouteTableId=table,
                          TransitGatewayId=tgw, DestinationCidrBlock="172.16.2.0/24")


class DuplicatePeeringsAllowedTest(EmulatorTest):
    """TGW_EMULATOR_DUPLICATE_PEERING_CODE=none lifts the one-peering rule."""

    ENV = {"TGW_EMULATOR_DUPLICATE_PEERING_CODE": "none"}

    def test_a_second_peering_between_two_gateways_is_accepted(self):
        (east, r_e, tgw_e, _), (west, r_w, tgw_w, _) = self.two_regions()
        first = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w), accept=False)
        second = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w), accept=False)
        self.assertNotEqual(first, second)


class SharedGatewayTest(EmulatorTest):
    """A gateway shared through AWS RAM (TGW_EMULATOR_RAM_SHARED_WITH): a VPC
    of the other account attaches to it (Transit Gateway guide, transit
    gateway sharing considerations; API reference
    CreateTransitGatewayVpcAttachment, AcceptTransitGatewayVpcAttachment,
    TransitGatewayAttachment, TransitGatewayVpcAttachment)."""

    ENV = {"TGW_EMULATOR_RAM_SHARED_WITH": OTHER_ACCOUNT}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.spoke = cls.emulator.client(account=OTHER_ACCOUNT)

    def spoke_vpc(self, cidr=None):
        vpc = self.spoke.create_vpc(CidrBlock=cidr or self.next_cidr(), TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": "addToTransitGateway", "Value": "true"}]}])
        return vpc["Vpc"]["VpcId"]

    def described(self, ec2, attachment):
        return ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"]

    def test_a_vpc_of_the_account_shared_with_attaches_and_propagates_in_the_owners_table(self):
        tgw, table = self.gateway(AutoAcceptSharedAttachments="enable")
        vpc = self.spoke_vpc("10.201.0.0/16")
        self.spoke.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.48.0/20")
        attachment = self.attach(tgw, vpc, ec2=self.spoke)
        [item] = self.described(self.ec2, attachment)
        self.assertEqual((item["ResourceType"], item["ResourceId"], item["State"]),
                         ("vpc", vpc, "available"))
        self.assertEqual(item["ResourceOwnerId"], OTHER_ACCOUNT)
        self.assertEqual(item["TransitGatewayOwnerId"], "123456789012")
        self.assertEqual(item["Association"],
                         {"TransitGatewayRouteTableId": table, "State": "associated"})
        [vpc_attachment] = self.ec2.describe_transit_gateway_vpc_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayVpcAttachments"]
        self.assertEqual(vpc_attachment["VpcOwnerId"], OTHER_ACCOUNT)
        routes = self.route_map(table)
        self.assertEqual(set(routes), {"10.201.0.0/16", "100.64.48.0/20"})
        for route in routes.values():
            self.assertEqual(route["Type"], "propagated")
            self.assertEqual(route["TransitGatewayAttachments"], [{
                "ResourceId": vpc, "ResourceType": "vpc", "TransitGatewayAttachmentId": attachment}])

    def test_the_vpc_owner_lists_the_attachment_without_the_owners_association(self):
        tgw, _ = self.gateway(AutoAcceptSharedAttachments="enable")
        vpc = self.spoke_vpc()
        attachment = self.attach(tgw, vpc, ec2=self.spoke)
        [vpc_attachment] = self.spoke.describe_transit_gateway_vpc_attachments(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["TransitGatewayVpcAttachments"]
        self.assertEqual((vpc_attachment["TransitGatewayAttachmentId"], vpc_attachment["VpcOwnerId"]),
                         (attachment, OTHER_ACCOUNT))
        [item] = self.described(self.spoke, attachment)
        self.assertEqual((item["TransitGatewayOwnerId"], item["ResourceOwnerId"]),
                         ("123456789012", OTHER_ACCOUNT))
        self.assertNotIn("Association", item)

    def test_without_auto_accept_the_attachment_waits_for_the_gateway_owner(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.spoke_vpc(), ec2=self.spoke)
        self.assertEqual(self.described(self.ec2, attachment)[0]["State"], "pendingAcceptance")
        self.assertNotIn("Association", self.described(self.ec2, attachment)[0])
        self.assertEqual(self.routes(table), [])
        self.assert_error("InvalidTransitGatewayAttachmentID.NotFound",
                          self.spoke.accept_transit_gateway_vpc_attachment,
                          TransitGatewayAttachmentId=attachment)
        accepted = self.ec2.accept_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=attachment)["TransitGatewayVpcAttachment"]
        self.assertEqual(accepted["State"], "available")
        self.assertEqual(self.described(self.spoke, attachment)[0]["State"], "available")
        self.assertEqual(self.described(self.ec2, attachment)[0]["Association"]["State"], "associated")
        self.assertEqual([r["Type"] for r in self.routes(table)], ["propagated"])
        self.assert_error("IncorrectState", self.ec2.accept_transit_gateway_vpc_attachment,
                          TransitGatewayAttachmentId=attachment)

    def test_a_same_account_attachment_needs_no_acceptance(self):
        tgw, _ = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.assertEqual(self.described(self.ec2, attachment)[0]["State"], "available")
        self.assert_error("IncorrectState", self.ec2.accept_transit_gateway_vpc_attachment,
                          TransitGatewayAttachmentId=attachment)

    def test_deleting_by_the_vpc_owner_blackholes_the_owners_static_route(self):
        tgw, table = self.gateway(AutoAcceptSharedAttachments="enable")
        attachment = self.attach(tgw, self.spoke_vpc(), ec2=self.spoke)
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        self.spoke.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        routes = self.route_map(table)
        self.assertEqual(list(routes), ["198.51.100.0/24"])
        self.assertEqual(routes["198.51.100.0/24"]["State"], "blackhole")
        self.assertEqual(routes["198.51.100.0/24"]["TransitGatewayAttachments"], [])
        self.assertEqual(self.described(self.ec2, attachment), [])
        self.assertEqual(self.described(self.spoke, attachment), [])

    def test_the_gateway_owner_can_delete_the_attachment_too(self):
        tgw, table = self.gateway(AutoAcceptSharedAttachments="enable")
        attachment = self.attach(tgw, self.spoke_vpc(), ec2=self.spoke)
        self.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        self.assertEqual(self.routes(table), [])
        self.assertEqual(self.described(self.spoke, attachment), [])
        self.assert_error("InvalidTransitGatewayAttachmentID.NotFound",
                          self.spoke.delete_transit_gateway_vpc_attachment,
                          TransitGatewayAttachmentId=attachment)

    def test_the_vpc_and_its_tags_are_visible_to_its_owner_only(self):
        tgw, _ = self.gateway(AutoAcceptSharedAttachments="enable")
        vpc = self.spoke_vpc()
        self.attach(tgw, vpc, ec2=self.spoke)
        [theirs] = self.spoke.describe_vpcs(VpcIds=[vpc])["Vpcs"]
        self.assertEqual(theirs["Tags"], [{"Key": "addToTransitGateway", "Value": "true"}])
        self.assertNotIn(vpc, [v["VpcId"] for v in self.ec2.describe_vpcs()["Vpcs"]])
        self.assert_error("InvalidVpcID.NotFound", self.ec2.describe_vpcs, VpcIds=[vpc])

    def test_a_gateway_not_shared_with_the_account_is_not_found(self):
        tgw, _ = self.gateway()
        outsider = self.emulator.client(account="444444444444")
        self.assert_error("InvalidTransitGatewayID.NotFound", self.attach, tgw_id=tgw,
                          vpc_id=self.vpc(ec2=outsider), ec2=outsider)
        self.assert_error("InvalidTransitGatewayID.NotFound", self.attach,
                          tgw_id="tgw-0123456789abcdef0", vpc_id=self.spoke_vpc(), ec2=self.spoke)

    def test_a_gateway_of_another_region_is_not_found(self):
        west_tgw, _ = self.gateway(self.emulator.client(region="eu-west-1"))
        self.assert_error("InvalidTransitGatewayID.NotFound", self.attach, tgw_id=west_tgw,
                          vpc_id=self.spoke_vpc(), ec2=self.spoke)


class SharedGatewayTimedTest(EmulatorTest):
    """A shared gateway's attachment with TGW_EMULATOR_ATTACHMENT_SECONDS:
    `pendingAcceptance` does not time out; once accepted it is `pending`,
    then `available`."""

    ENV = {"TGW_EMULATOR_RAM_SHARED_WITH": "*", "TGW_EMULATOR_ATTACHMENT_SECONDS": "1"}

    def test_an_accepted_attachment_is_pending_then_available(self):
        tgw, table = self.gateway()
        spoke = self.emulator.client(account=OTHER_ACCOUNT)
        attachment = self.attach(tgw, self.vpc(ec2=spoke), ec2=spoke)
        state = lambda: self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"][0]["State"]
        time.sleep(1.2)
        self.assertEqual(state(), "pendingAcceptance")
        self.ec2.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        self.assertEqual(state(), "pending")
        self.assertEqual(self.routes(table), [])
        time.sleep(1.2)
        self.assertEqual(state(), "available")
        self.assertEqual([r["Type"] for r in self.routes(table)], ["propagated"])


class NothingSharedTest(EmulatorTest):
    """Without TGW_EMULATOR_RAM_SHARED_WITH no gateway is shared."""

    def test_a_vpc_of_another_account_cannot_attach(self):
        tgw, _ = self.gateway()
        other = self.emulator.client(account=OTHER_ACCOUNT)
        self.assert_error("InvalidTransitGatewayID.NotFound", self.attach, tgw_id=tgw,
                          vpc_id=self.vpc(ec2=other), ec2=other)


ROLE_ACCOUNT = "333333333333"
SEEDED_ROLE = f"arn:aws:iam::{ROLE_ACCOUNT}:role/tgw-peering-spoke"


class AssumeRoleTrustTest(EmulatorTest):
    """STS AssumeRole checks the role's trust policy and its sts:ExternalId
    condition (IAM User Guide, external ID; STS API reference AssumeRole);
    TGW_EMULATOR_ROLES seeds roles."""

    ENV = {"TGW_EMULATOR_ROLES": f"{SEEDED_ROLE}=ext-one|ext-two"}

    def sts(self, keys=None):
        keys = keys or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client("sts", region_name="us-east-1", endpoint_url=self.emulator.endpoint,
                            config=NO_RETRY, **keys)

    def assume(self, role_arn, external_id=None):
        kwargs = {"ExternalId": external_id} if external_id is not None else {}
        return self.sts().assume_role(RoleArn=role_arn, RoleSessionName="trust-test", **kwargs)

    def assert_denied(self, role_arn, external_id=None):
        with self.assertRaises(ClientError) as raised:
            self.assume(role_arn, external_id)
        response = raised.exception.response
        self.assertEqual(response["Error"]["Code"], "AccessDenied")
        self.assertEqual(response["Error"]["Type"], "Sender")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertIn(f"not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                      response["Error"]["Message"])

    def account_of(self, credentials):
        return self.sts({
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }).get_caller_identity()["Account"]

    def test_a_seeded_role_refuses_a_missing_or_wrong_external_id(self):
        self.assert_denied(SEEDED_ROLE)
        self.assert_denied(SEEDED_ROLE, "ext-three")

    def test_a_seeded_role_is_assumed_with_any_of_its_external_ids(self):
        for external_id in ("ext-one", "ext-two"):
            credentials = self.assume(SEEDED_ROLE, external_id)["Credentials"]
            self.assertEqual(self.account_of(credentials), ROLE_ACCOUNT)

    def test_a_seeded_role_is_in_its_accounts_iam(self):
        iam = self.emulator.client("iam", account=ROLE_ACCOUNT)
        role = iam.get_role(RoleName="tgw-peering-spoke")["Role"]
        self.assertEqual(role["Arn"], SEEDED_ROLE)

    def test_a_role_absent_from_iam_is_still_assumed(self):
        credentials = self.assume(f"arn:aws:iam::{ROLE_ACCOUNT}:role/not-in-iam")["Credentials"]
        self.assertEqual(self.account_of(credentials), ROLE_ACCOUNT)

    def test_a_role_made_through_iam_is_held_to_its_trust_policy(self):
        iam = self.emulator.client("iam", account="555555555555")
        statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        guarded = dict(statement, Condition={"StringEquals": {"sts:ExternalId": ["a-1", "a-2"]}})
        arns = {}
        for name, policy in (("guarded", guarded), ("open", statement)):
            arns[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [policy]}))["Role"]["Arn"]
        self.assert_denied(arns["guarded"], "a-3")
        self.assertTrue(self.assume(arns["guarded"], "a-2")["Credentials"])
        self.assertTrue(self.assume(arns["open"])["Credentials"])
        self.assertTrue(self.assume(arns["open"], "anything")["Credentials"])

    def test_seeded_roles_come_back_after_a_reset(self):
        urllib.request.urlopen(urllib.request.Request(
            f"{self.emulator.endpoint}/moto-api/reset", method="POST")).read()
        self.assert_denied(SEEDED_ROLE, "ext-three")
        self.assertTrue(self.assume(SEEDED_ROLE, "ext-one")["Credentials"])


class ModifyTransitGatewayTest(EmulatorTest):
    """API reference ModifyTransitGateway: the options change; with
    TGW_EMULATOR_MODIFY_SECONDS unset the gateway is `available` at once."""

    def test_options_change_and_the_gateway_stays_available(self):
        tgw, table = self.gateway()
        other = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        modified = self.ec2.modify_transit_gateway(TransitGatewayId=tgw, Description="hub", Options={
            "DefaultRouteTablePropagation": "disable",
            "AssociationDefaultRouteTableId": other,
            "AddTransitGatewayCidrBlocks": ["192.0.2.0/24", "198.51.100.0/24"],
        })["TransitGateway"]
        self.assertEqual(modified["State"], "available")
        described = self.ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"][0]
        for gateway in (modified, described):
            self.assertEqual(gateway["Description"], "hub")
            self.assertEqual(gateway["Options"]["DefaultRouteTablePropagation"], "disable")
            self.assertEqual(gateway["Options"]["AssociationDefaultRouteTableId"], other)
            self.assertEqual(gateway["Options"]["PropagationDefaultRouteTableId"], table)
            self.assertEqual(gateway["Options"]["TransitGatewayCidrBlocks"],
                             ["192.0.2.0/24", "198.51.100.0/24"])
        removed = self.ec2.modify_transit_gateway(TransitGatewayId=tgw, Options={
            "RemoveTransitGatewayCidrBlocks": ["192.0.2.0/24"]})["TransitGateway"]
        self.assertEqual(removed["Options"]["TransitGatewayCidrBlocks"], ["198.51.100.0/24"])
        defaults = self.ec2.describe_transit_gateway_route_tables(Filters=[
            {"Name": "transit-gateway-id", "Values": [tgw]},
            {"Name": "default-association-route-table", "Values": ["true"]},
        ])["TransitGatewayRouteTables"]
        self.assertEqual([t["TransitGatewayRouteTableId"] for t in defaults], [other])

    def test_a_default_table_of_another_gateway_or_an_unknown_gateway_is_not_found(self):
        tgw, _ = self.gateway()
        _, foreign = self.gateway()
        self.assert_error("InvalidRouteTableID.NotFound", self.ec2.modify_transit_gateway,
                          TransitGatewayId=tgw, Options={"AssociationDefaultRouteTableId": foreign})
        self.assert_error("InvalidTransitGatewayID.NotFound", self.ec2.modify_transit_gateway,
                          TransitGatewayId="tgw-0123456789abcdef0", Description="gone")


TIMED_GATEWAY_ENV = {"TGW_EMULATOR_MODIFY_SECONDS": "1", "TGW_EMULATOR_TABLE_SECONDS": "1"}


class ModifyingGatewayTest(EmulatorTest):
    """TransitGateway state `modifying` (API reference TransitGateway: pending |
    available | modifying | deleting | deleted) for TGW_EMULATOR_MODIFY_SECONDS
    after ModifyTransitGateway; the gateway and what hangs on it stay readable."""

    ENV = TIMED_GATEWAY_ENV

    def test_a_modified_gateway_is_modifying_then_available_and_stays_readable(self):
        tgw, table = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        modified = self.ec2.modify_transit_gateway(
            TransitGatewayId=tgw, Options={"DefaultRouteTablePropagation": "disable"})["TransitGateway"]
        self.assertEqual(modified["State"], "modifying")
        self.assertEqual(modified["Options"]["DefaultRouteTablePropagation"], "disable")
        state = lambda: self.ec2.describe_transit_gateways(
            TransitGatewayIds=[tgw])["TransitGateways"][0]["State"]
        self.assertEqual(state(), "modifying")
        listed = self.ec2.describe_transit_gateways(
            Filters=[{"Name": "state", "Values": ["modifying"]}])["TransitGateways"]
        self.assertIn(tgw, [g["TransitGatewayId"] for g in listed])
        attachments = self.ec2.describe_transit_gateway_attachments(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayAttachments"]
        self.assertEqual([a["TransitGatewayAttachmentId"] for a in attachments], [attachment])
        tables = self.ec2.describe_transit_gateway_route_tables(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayRouteTables"]
        self.assertEqual([t["TransitGatewayRouteTableId"] for t in tables], [table])
        self.assertIn("198.51.100.0/24", self.route_map(table))
        # AWS documents nothing about modifying twice at once: refused until available.
        self.assert_error("IncorrectState", self.ec2.modify_transit_gateway,
                          TransitGatewayId=tgw, Description="again")
        time.sleep(1.2)
        self.assertEqual(state(), "available")
        self.ec2.modify_transit_gateway(TransitGatewayId=tgw, Description="again")


class PendingRouteTableTest(EmulatorTest):
    """TransitGatewayRouteTable state `pending` (API reference: pending |
    available | deleting | deleted) for TGW_EMULATOR_TABLE_SECONDS after
    CreateTransitGatewayRouteTable; nothing is added to it until available."""

    ENV = TIMED_GATEWAY_ENV

    def test_a_new_route_table_is_pending_then_available(self):
        tgw, default = self.gateway()
        attachment = self.attach(tgw, self.vpc())
        self.ec2.disassociate_transit_gateway_route_table(
            TransitGatewayAttachmentId=attachment, TransitGatewayRouteTableId=default)
        created = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]
        table = created["TransitGatewayRouteTableId"]
        self.assertEqual(created["State"], "pending")
        state = lambda: self.ec2.describe_transit_gateway_route_tables(
            TransitGatewayRouteTableIds=[table])["TransitGatewayRouteTables"][0]["State"]
        self.assertEqual(state(), "pending")
        pending = self.ec2.describe_transit_gateway_route_tables(Filters=[
            {"Name": "transit-gateway-id", "Values": [tgw]},
            {"Name": "state", "Values": ["pending"]}])["TransitGatewayRouteTables"]
        self.assertEqual([t["TransitGatewayRouteTableId"] for t in pending], [table])
        self.assertEqual(self.routes(table), [])
        self.assert_error("IncorrectState", self.ec2.create_transit_gateway_route,
                          TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
                          Blackhole=True)
        self.assert_error("IncorrectState", self.ec2.associate_transit_gateway_route_table,
                          TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        time.sleep(1.2)
        self.assertEqual(state(), "available")
        self.ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment)
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            Blackhole=True)
        # A gateway's default table is made with it, available at once.
        _, fresh_default = self.gateway()
        self.assertEqual(self.ec2.describe_transit_gateway_route_tables(
            TransitGatewayRouteTableIds=[fresh_default])["TransitGatewayRouteTables"][0]["State"],
            "available")


class DescribeRouteTablesTest(EmulatorTest):
    """API reference DescribeTransitGatewayRouteTables: its filters, MaxResults
    5..1000 and NextToken; CreateTransitGatewayRouteTable needs a gateway."""

    def tables(self, tgw, count):
        return [self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"] for _ in range(count)]

    def test_a_new_table_is_available_at_once_and_filters_by_gateway(self):
        tgw, default = self.gateway()
        other_tgw, _ = self.gateway()
        created = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)[
            "TransitGatewayRouteTable"]
        self.assertEqual(created["State"], "available")
        self.tables(other_tgw, 1)
        found = self.ec2.describe_transit_gateway_route_tables(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayRouteTables"]
        self.assertEqual([t["TransitGatewayRouteTableId"] for t in found],
                         [default, created["TransitGatewayRouteTableId"]])
        flag = lambda name, value: [t["TransitGatewayRouteTableId"] for t in
                                    self.ec2.describe_transit_gateway_route_tables(Filters=[
                                        {"Name": "transit-gateway-id", "Values": [tgw]},
                                        {"Name": name, "Values": [value]}])["TransitGatewayRouteTables"]]
        self.assertEqual(flag("default-association-route-table", "true"), [default])
        self.assertEqual(flag("default-propagation-route-table", "false"),
                         [created["TransitGatewayRouteTableId"]])

    def test_max_results_pages_with_next_token(self):
        tgw, default = self.gateway()
        made = [default] + self.tables(tgw, 6)
        pages, token = [], None
        while True:
            kwargs = {"NextToken": token} if token else {}
            out = self.ec2.describe_transit_gateway_route_tables(
                MaxResults=5, Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}], **kwargs)
            pages.append([t["TransitGatewayRouteTableId"] for t in out["TransitGatewayRouteTables"]])
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual([len(p) for p in pages], [5, 2])
        self.assertEqual([t for p in pages for t in p], made)
        self.assert_error("InvalidParameterValue", self.ec2.describe_transit_gateway_route_tables,
                          MaxResults=1001)
        unchecked = boto3.client(
            "ec2", region_name="us-east-1", endpoint_url=self.emulator.endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, parameter_validation=False))
        self.assert_error("InvalidParameterValue", unchecked.describe_transit_gateway_route_tables,
                          MaxResults=4)

    def test_a_gateway_with_both_defaults_disabled_has_no_default_table(self):
        tgw = self.ec2.create_transit_gateway(Options={
            "DefaultRouteTableAssociation": "disable",
            "DefaultRouteTablePropagation": "disable"})["TransitGateway"]
        self.assertNotIn("AssociationDefaultRouteTableId", tgw["Options"])
        self.assertNotIn("PropagationDefaultRouteTableId", tgw["Options"])
        listed = self.ec2.describe_transit_gateway_route_tables(Filters=[
            {"Name": "transit-gateway-id", "Values": [tgw["TransitGatewayId"]]}])
        self.assertEqual(listed["TransitGatewayRouteTables"], [])
        # A VPC attaches to it, associated with no table.
        attachment = self.attach(tgw["TransitGatewayId"], self.vpc())
        found = self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment])["TransitGatewayAttachments"]
        self.assertNotIn("Association", found[0])
        # One of the two enabled: the default table is made.
        _, default = self.gateway(DefaultRouteTableAssociation="disable")
        self.assertTrue(default.startswith("tgw-rtb-"))

    def test_a_tables_tags_are_listed_and_filter_it(self):
        tgw, _ = self.gateway()
        made = self.ec2.create_transit_gateway_route_table(
            TransitGatewayId=tgw, TagSpecifications=[{
                "ResourceType": "transit-gateway-route-table",
                "Tags": [{"Key": "tgw-peering:segment", "Value": "prod"}]}])[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        found = self.ec2.describe_transit_gateway_route_tables(Filters=[
            {"Name": "tag:tgw-peering:segment", "Values": ["prod"]}])["TransitGatewayRouteTables"]
        self.assertEqual([t["TransitGatewayRouteTableId"] for t in found], [made])
        self.assertEqual(found[0]["Tags"], [{"Key": "tgw-peering:segment", "Value": "prod"}])

    def test_unknown_filters_ids_and_gateways_are_refused(self):
        self.assert_error("InvalidParameterValue", self.ec2.describe_transit_gateway_route_tables,
                          Filters=[{"Name": "bogus", "Values": ["x"]}])
        self.assert_error("InvalidRouteTableID.NotFound",
                          self.ec2.describe_transit_gateway_route_tables,
                          TransitGatewayRouteTableIds=["tgw-rtb-0123456789abcdef0"])
        self.assert_error("InvalidTransitGatewayID.NotFound",
                          self.ec2.create_transit_gateway_route_table,
                          TransitGatewayId="tgw-0123456789abcdef0")


class BlackholeAttachmentScenario:
    """A static route and a prefix-list reference toward a VPC attachment,
    then the attachment deleted (API reference TransitGatewayRoute: state
    blackhole; TransitGatewayPrefixListReference: Blackhole)."""

    def deleted_target(self):
        tgw, table = self.gateway()
        vpc = self.vpc()
        attachment = self.attach(tgw, vpc)
        self.ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table, DestinationCidrBlock="198.51.100.0/24",
            TransitGatewayAttachmentId=attachment)
        prefix_list = self.ec2.create_managed_prefix_list(
            PrefixListName="blackhole", AddressFamily="IPv4", MaxEntries=2,
            Entries=[{"Cidr": "203.0.113.0/24"}])["PrefixList"]["PrefixListId"]
        self.ec2.create_transit_gateway_prefix_list_reference(
            TransitGatewayRouteTableId=table, PrefixListId=prefix_list,
            TransitGatewayAttachmentId=attachment)
        self.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
        routes = self.route_map(table)
        reference = self.ec2.get_transit_gateway_prefix_list_references(
            TransitGatewayRouteTableId=table)["TransitGatewayPrefixListReferences"][0]
        target = {"ResourceId": vpc, "ResourceType": "vpc", "TransitGatewayAttachmentId": attachment}
        for cidr in ("198.51.100.0/24", "203.0.113.0/24"):
            self.assertEqual(routes[cidr]["State"], "blackhole")
        self.assertTrue(reference["Blackhole"])
        return routes, reference, target


class BlackholeDropTest(EmulatorTest, BlackholeAttachmentScenario):
    """TGW_EMULATOR_BLACKHOLE_ATTACHMENT unset (drop): the blackholes name no
    attachment, as the Network Manager TGW-ROUTE-UNINSTALLED sample shows."""

    def test_the_deleted_attachment_is_dropped_from_the_blackholes(self):
        routes, reference, _ = self.deleted_target()
        for cidr in ("198.51.100.0/24", "203.0.113.0/24"):
            self.assertEqual(routes[cidr].get("TransitGatewayAttachments", []), [])
        self.assertNotIn("TransitGatewayAttachment", reference)


class BlackholeKeepTest(EmulatorTest, BlackholeAttachmentScenario):
    """TGW_EMULATOR_BLACKHOLE_ATTACHMENT=keep: AWS does not clearly document
    whether a blackhole still names the deleted attachment; here it does."""

    ENV = {"TGW_EMULATOR_BLACKHOLE_ATTACHMENT": "keep"}

    def test_the_blackholes_still_name_the_deleted_attachment(self):
        routes, reference, target = self.deleted_target()
        for cidr in ("198.51.100.0/24", "203.0.113.0/24"):
            self.assertEqual(routes[cidr]["TransitGatewayAttachments"], [target])
        self.assertEqual(reference["TransitGatewayAttachment"], target)

    def test_a_deleted_peering_stays_named_on_both_sides(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w, rtb_w) = self.two_regions()
        peering = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w))
        for ec2, rtb in ((east, rtb_e), (west, rtb_w)):
            ec2.create_transit_gateway_route(TransitGatewayRouteTableId=rtb,
                                             DestinationCidrBlock="10.252.0.0/16",
                                             TransitGatewayAttachmentId=peering)
        west.delete_transit_gateway_peering_attachment(TransitGatewayAttachmentId=peering)
        for ec2, rtb, peer in ((east, rtb_e, tgw_w), (west, rtb_w, tgw_e)):
            route = self.route_map(rtb, ec2=ec2)["10.252.0.0/16"]
            self.assertEqual(route["State"], "blackhole")
            self.assertEqual(route["TransitGatewayAttachments"], [{
                "ResourceId": peer, "ResourceType": "peering",
                "TransitGatewayAttachmentId": peering}])


class SecondGatewayPeeringTest(EmulatorTest):
    """Two gateways in one Region and account: the one-peering quota is per
    pair of gateways (Transit Gateway quotas), and each gateway sees its own
    attachments (API reference DescribeTransitGatewayAttachments,
    transit-gateway-id)."""

    def test_the_second_gateway_of_a_region_peers_with_its_own_view(self):
        (east, r_e, tgw_e, rtb_e), (west, r_w, tgw_w1, _) = self.two_regions()
        first = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w1))
        tgw_w2, _ = self.gateway(west)
        second = self.peering((east, r_e, tgw_e), (west, r_w, tgw_w2))
        self.assertNotEqual(first, second)
        for ec2, tgw, peer in ((west, tgw_w2, tgw_e), (east, tgw_e, tgw_w2)):
            described = ec2.describe_transit_gateway_peering_attachments(
                TransitGatewayAttachmentIds=[second])["TransitGatewayPeeringAttachments"][0]
            self.assertEqual(described["State"], "available")
            self.assertEqual(described["RequesterTgwInfo"]["TransitGatewayId"], tgw_e)
            self.assertEqual(described["AccepterTgwInfo"]["TransitGatewayId"], tgw_w2)
        by_gateway = lambda ec2, tgw: {
            a["TransitGatewayAttachmentId"]: (a["TransitGatewayId"], a["ResourceId"])
            for a in ec2.describe_transit_gateway_attachments(Filters=[
                {"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayAttachments"]}
        self.assertEqual(by_gateway(west, tgw_w2), {second: (tgw_w2, tgw_e)})
        self.assertEqual(by_gateway(west, tgw_w1), {first: (tgw_w1, tgw_e)})
        self.assertEqual(by_gateway(east, tgw_e), {first: (tgw_e, tgw_w1), second: (tgw_e, tgw_w2)})
        # Associated with a new table of the second gateway, and routes on both sides.
        rtb_w2 = west.create_transit_gateway_route_table(TransitGatewayId=tgw_w2)[
            "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
        west.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=rtb_w2, TransitGatewayAttachmentId=second)
        east.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=rtb_e, TransitGatewayAttachmentId=second)
        association = west.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[second])["TransitGatewayAttachments"][0]["Association"]
        self.assertEqual(association["TransitGatewayRouteTableId"], rtb_w2)
        for ec2, rtb, peer, cidr in ((west, rtb_w2, tgw_e, "10.253.0.0/16"),
                                     (east, rtb_e, tgw_w2, "10.254.0.0/16")):
            ec2.create_transit_gateway_route(TransitGatewayRouteTableId=rtb,
                                             DestinationCidrBlock=cidr,
                                             TransitGatewayAttachmentId=second)
            route = self.route_map(rtb, ec2=ec2)[cidr]
            self.assertEqual(route["State"], "active")
            self.assertEqual(route["TransitGatewayAttachments"], [{
                "ResourceId": peer, "ResourceType": "peering",
                "TransitGatewayAttachmentId": second}])
        # Still one live peering per pair of gateways, in either direction.
        for ec2, tgw, peer, region in ((east, tgw_e, tgw_w2, r_w), (west, tgw_w2, tgw_e, r_e)):
            self.assert_error("DuplicateTransitGatewayAttachment",
                              ec2.create_transit_gateway_peering_attachment,
                              TransitGatewayId=tgw, PeerTransitGatewayId=peer,
                              PeerAccountId="123456789012", PeerRegion=region)


class PrefixListTagsTest(EmulatorTest):
    """CreateTags / DeleteTags on a customer-managed prefix list, and the EC2
    tag restrictions (Amazon EC2 User Guide, tag restrictions: 50 tags a
    resource, keys of 128 characters, values of 256)."""

    def prefix_list(self, tags=None, name="tagged"):
        kwargs = {"TagSpecifications": [{"ResourceType": "prefix-list", "Tags": tags}]} if tags else {}
        return self.ec2.create_managed_prefix_list(
            PrefixListName=name, AddressFamily="IPv4", MaxEntries=2, **kwargs,
        )["PrefixList"]["PrefixListId"]

    def tags(self, prefix_list_id):
        described = self.ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])
        return {t["Key"]: t["Value"] for t in described["PrefixLists"][0].get("Tags", [])}

    def test_create_and_delete_tags_change_what_describe_returns(self):
        pl = self.prefix_list([{"Key": "tgw-peering:transit-gateway", "Value": "tgw-0a1b2c3d4e5f60718"}])
        self.ec2.create_tags(Resources=[pl], Tags=[
            {"Key": "tgw-peering:peering", "Value": "tgw-attach-0a1b2c3d4e5f60718"},
            {"Key": "tgw-peering:isolated:10.1.0.0/16", "Value": "true"},
            {"Key": "tgw-peering:isolated:2001:db8::/56", "Value": "true"},
        ])
        self.assertEqual(self.tags(pl), {
            "tgw-peering:transit-gateway": "tgw-0a1b2c3d4e5f60718",
            "tgw-peering:peering": "tgw-attach-0a1b2c3d4e5f60718",
            "tgw-peering:isolated:10.1.0.0/16": "true",
            "tgw-peering:isolated:2001:db8::/56": "true",
        })
        # DeleteTags with a value deletes only a tag of that value.
        self.ec2.delete_tags(Resources=[pl], Tags=[
            {"Key": "tgw-peering:isolated:10.1.0.0/16", "Value": "false"},
            {"Key": "tgw-peering:isolated:2001:db8::/56"},
            {"Key": "tgw-peering:peering", "Value": "tgw-attach-0a1b2c3d4e5f60718"},
        ])
        self.assertEqual(self.tags(pl), {
            "tgw-peering:transit-gateway": "tgw-0a1b2c3d4e5f60718",
            "tgw-peering:isolated:10.1.0.0/16": "true",
        })
        described = self.ec2.describe_tags(
            Filters=[{"Name": "resource-id", "Values": [pl]}])["Tags"]
        self.assertEqual({t["ResourceType"] for t in described}, {"managed-prefix-list"})

    def test_a_prefix_list_holds_at_most_50_tags(self):
        pl = self.prefix_list([{"Key": "k0", "Value": "v"}])
        self.ec2.create_tags(Resources=[pl], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(1, 49)])
        self.assert_error("TagLimitExceeded", self.ec2.create_tags, Resources=[pl],
                          Tags=[{"Key": "k49", "Value": "v"}, {"Key": "k50", "Value": "v"}])
        self.assertEqual(len(self.tags(pl)), 49)
        self.ec2.create_tags(Resources=[pl], Tags=[{"Key": "k49", "Value": "v"}])
        # Overwriting an existing key adds no tag.
        self.ec2.create_tags(Resources=[pl], Tags=[{"Key": "k0", "Value": "w"}])
        self.assertEqual(len(self.tags(pl)), 50)

    def test_keys_over_128_and_values_over_256_characters_are_refused(self):
        pl = self.prefix_list()
        self.ec2.create_tags(Resources=[pl], Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
        self.assert_error("InvalidParameterValue", self.ec2.create_tags, Resources=[pl],
                          Tags=[{"Key": "k" * 129, "Value": "v"}])
        self.assert_error("InvalidParameterValue", self.ec2.create_tags, Resources=[pl],
                          Tags=[{"Key": "short", "Value": "v" * 257}])
        self.assertEqual(self.tags(pl), {"k" * 128: "v" * 256})

    def test_tag_specifications_are_held_to_the_same_limits(self):
        names = lambda: [p["PrefixListName"] for p in
                         self.ec2.describe_managed_prefix_lists()["PrefixLists"]]
        self.assert_error("TagLimitExceeded", self.prefix_list,
                          tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)],
                          name="too-many-tags")
        self.assert_error("InvalidParameterValue", self.prefix_list,
                          tags=[{"Key": "k" * 129, "Value": "v"}], name="long-tag-key")
        self.assertNotIn("too-many-tags", names())
        self.assertNotIn("long-tag-key", names())
        pl = self.prefix_list([{"Key": f"k{i}", "Value": "v"} for i in range(50)], name="fifty")
        self.assertEqual(len(self.tags(pl)), 50)


class PlainModeTest(unittest.TestCase):
    """TGW_EMULATOR_PLAIN=1 runs moto as published."""

    def test_plain_mode_serves_moto_without_patches(self):
        emulator = Emulator(TGW_EMULATOR_PLAIN="1")
        try:
            ec2 = emulator.client()
            tgw = ec2.create_transit_gateway()["TransitGateway"]
            table = tgw["Options"]["AssociationDefaultRouteTableId"]
            ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table,
                                             DestinationCidrBlock="10.0.0.0/16", Blackhole=True)
            # moto accepts a duplicate silently where the patches refuse it.
            ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table,
                                             DestinationCidrBlock="10.0.0.0/16", Blackhole=True)
        finally:
            emulator.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
