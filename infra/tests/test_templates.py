"""Checks of the deployment templates that need no AWS account.

- Every EventBridge rule's pattern, loaded from the templates, is run
  through a real matcher (moto's EventBridge: put_events, rule, SQS target)
  against every fixture in tests/fixtures and near misses: it must deliver
  exactly the events it is meant for.
- The environment the hub sets is exactly what the functions read, and each
  function's role grants exactly the AWS operations the functions call (as
  `tgw-peering manifest` lists them), plus what Lambda itself needs.
- No IAM action anywhere holds a wildcard; the log retention defaults to 90
  days.
- The spoke role (spoke-role.yaml) grants exactly the manifest's EC2 calls
  (and tagging on create), trusts only the hub's function roles and requires
  the external id; the hub assumes exactly the listed spoke roles, lets the
  spoke accounts put events on its default bus, and the forwarder can target
  a hub in another account.
- ec2:CreateTags is granted only on create (ec2:CreateAction), on the
  resource type that action creates (peerings, ledger prefix lists); only
  lists tagged tgw-peering:managed=true may be modified; every EC2 write is
  scoped to the account, in every Region.
- The withdrawal budget: MaxWithdrawals reaches both functions as
  MAX_WITHDRAWALS, and an alarm fires on the audit decision held (Withdrawal
  Held); every alarm on the tool's own metrics has a metric filter behind it
  and notifies the SNS topic.
- Organizations (workload.yaml, a service-managed StackSet): the workload
  role allows only ec2:DescribeVpcs and ec2:DescribeRouteTables, trusts only the hub's function roles
  with the external id, and is created in one Region only; the workload
  forwarder's rules are the forwarder's VPC rules and target the hub
  account's bus; the hub admits the organization on that bus by
  aws:PrincipalOrgID, and its functions may assume only the workload role
  name, only when WorkloadRoleName is set (and only in the organization).
- The operations picture (docs/operations.md): both functions log JSON at
  level INFO (the embedded-metric-format lines and the audit lines reach
  CloudWatch); the dashboard's body, its intrinsic functions evaluated for
  2, 10 and 11 Regions, is valid JSON whose widgets do not overlap; each
  managed Region (the first ten) has one widget of its transit gateways'
  drops, searched in that Region; the tool's widgets read the namespace
  TgwPeering in the hub's Region and show exactly the metrics the functions
  write (the manifest's "metrics"), each with its dimensions; the log
  widgets are the saved queries (route changes, conflicts, held
  withdrawals) and the path verification's lines, over the reconciler's
  log group; the alarm widget shows every alarm. Each alarm on the
  namespace TgwPeering watches a metric the functions write with exactly
  its dimensions; the route quota, broken paths and peering alarms have
  their thresholds and ignore missing data.

Run: .venv/bin/python infra/tests/test_templates.py (make test-infra).
"""

import copy
import json
import os
import subprocess
import unittest
from unittest import mock
from pathlib import Path

import boto3
from cfnlint.decode import decode
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
BIN = Path(os.environ.get("TGW_PEERING_BIN", ROOT / "target" / "debug" / "tgw-peering"))


def load(name):
    template, errors = decode(str(ROOT / "infra" / name))
    assert not errors, errors
    return template


HUB = load("hub.yaml")
FORWARDER = load("forwarder.yaml")
SPOKE = load("spoke-role.yaml")
WORKLOAD = load("workload.yaml")


def plain(value):
    """The decoded template's nodes as plain JSON values."""
    return json.loads(json.dumps(value))


def resolve(value, template):
    """Replaces {"Ref": parameter} by the parameter's default."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in template.get("Parameters", {}):
            return template["Parameters"][value["Ref"]]["Default"]
        return {k: resolve(v, template) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, template) for v in value]
    return value


def rules():
    """Every rule of the templates: name -> event pattern (parameters at their defaults)."""
    found = {}
    for stack, template in (("hub", HUB), ("forwarder", FORWARDER), ("workload", WORKLOAD)):
        for name, resource in template["Resources"].items():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::Events::Rule" and "EventPattern" in props:
                found[f"{stack}:{name}"] = resolve(plain(props["EventPattern"]), template)
            if resource["Type"] == "AWS::Serverless::Function":
                for event, spec in props.get("Events", {}).items():
                    if spec["Type"] == "EventBridgeRule":
                        found[f"{stack}:{name}.{event}"] = resolve(
                            plain(spec["Properties"]["Pattern"]), template
                        )
    return found


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


TAG_EVENTS = {"tag-change-added", "tag-change-removed", "tag-change-spoke-account"}
VPC_CALLS = {
    "cloudtrail-create-vpc",
    "cloudtrail-create-vpc-iam-user",
    "cloudtrail-delete-vpc",
    "cloudtrail-associate-vpc-cidr-block",
    "cloudtrail-associate-vpc-cidr-block-root",
    "cloudtrail-disassociate-vpc-cidr-block",
}
TAG_CALLS = {
    "cloudtrail-create-tags-web-identity",
    "cloudtrail-create-tags-aws-service",
    "cloudtrail-delete-tags-console-user",
}
NETWORK_MANAGER = {"networkmanager-peering-deleted", "networkmanager-route-uninstalled"}
PEERING_CALLS = {
    "cloudtrail-create-tgw-peering",
    "cloudtrail-accept-tgw-peering",
    "cloudtrail-delete-tgw-peering",
}
EVENT_FIXTURES = sorted(
    p.stem for p in FIXTURES.glob("*.json") if "Records" not in json.loads(p.read_text())
)

# What each rule must deliver; everything else (and every near miss) it must not.
EXPECTED = {
    "hub:TagChangeRule": TAG_EVENTS,
    "hub:VpcCloudTrailRule": VPC_CALLS,
    "hub:TagCloudTrailRule": TAG_CALLS,
    "hub:PeeringCloudTrailRule": PEERING_CALLS,
    "hub:NetworkManagerRule": NETWORK_MANAGER,
    "hub:StateChangeRule": {"state-change", "vpc-ready", "transit-gateway-ready", "reconcile-continued"},
    "forwarder:TagChangeRule": TAG_EVENTS,
    "forwarder:VpcCloudTrailRule": VPC_CALLS,
    "forwarder:TagCloudTrailRule": TAG_CALLS,
    "forwarder:PeeringCloudTrailRule": PEERING_CALLS,
    "forwarder:NetworkManagerRule": NETWORK_MANAGER,
    # A workload account owns VPCs and no gateway: its VPC events only.
    "workload:TagChangeRule": TAG_EVENTS,
    "workload:VpcCloudTrailRule": VPC_CALLS,
    "workload:TagCloudTrailRule": TAG_CALLS,
}
# cloudtrail-failed-create-tags (a failed call) is delivered by no rule.


def near_misses():
    """Events that look like the right ones but must not match any rule."""
    misses = {}

    def variant(name, base, change):
        event = copy.deepcopy(fixture(base))
        change(event)
        misses[name] = event

    variant("tag-on-a-subnet", "tag-change-added", lambda e: e["detail"].update({"resource-type": "subnet"}))
    variant("tag-on-s3", "tag-change-added", lambda e: e["detail"].update({"service": "s3"}))
    variant("tag-wrong-source", "tag-change-added", lambda e: e.update({"source": "aws.ec2"}))
    variant("tag-other-key", "tag-change-added", lambda e: e["detail"].update({"changed-tag-keys": ["Owner"]}))
    variant(
        "tag-key-other-case",
        "tag-change-added",
        lambda e: e["detail"].update({"changed-tag-keys": ["addtotransitgateway"]}),
    )
    variant("vpc-call-from-s3", "cloudtrail-create-vpc", lambda e: e["detail"].update({"eventSource": "s3.amazonaws.com"}))
    variant("run-instances", "cloudtrail-create-vpc", lambda e: e["detail"].update({"eventName": "RunInstances"}))
    variant("create-tags", "cloudtrail-create-vpc", lambda e: e["detail"].update({"eventName": "CreateTags"}))
    variant(
        "peering-call-wrong-detail-type",
        "cloudtrail-accept-tgw-peering",
        lambda e: e.update({"detail-type": "AWS Service Event via CloudTrail"}),
    )
    variant("failed-create-vpc", "cloudtrail-create-vpc", lambda e: e["detail"].update({"errorCode": "Client.VpcLimitExceeded"}))
    variant(
        "failed-accept",
        "cloudtrail-accept-tgw-peering",
        lambda e: e["detail"].update({"errorCode": "IncorrectState", "responseElements": None}),
    )

    def on(resources):
        return lambda e: e["detail"]["requestParameters"]["resourcesSet"].update(
            {"items": [{"resourceId": r} for r in resources]}
        )

    variant("tags-on-an-instance", "cloudtrail-create-tags-web-identity", on(["i-0abc1234def567890"]))
    variant("tags-on-an-endpoint", "cloudtrail-create-tags-web-identity", on(["vpce-0abc1234def567890"]))
    variant(
        "tags-of-another-key",
        "cloudtrail-create-tags-web-identity",
        lambda e: e["detail"]["requestParameters"]["tagSet"].update({"items": [{"key": "Owner", "value": "x"}]}),
    )
    variant(
        "network-manager-status",
        "networkmanager-peering-deleted",
        lambda e: e.update({"detail-type": "Network Manager Status Update"}),
    )
    variant("state-change-wrong-source", "state-change", lambda e: e.update({"source": "aws.ec2"}))
    variant("own-audit-event", "state-change", lambda e: e.update({"detail-type": "Peering Requested"}))
    return misses


def crush_arrays(node, prefix="", result=None):
    """Flattens an event as EventBridge matches it: an array of objects is
    "crushed out", each object's fields taken as values of the parent field
    (Event Ruler, the matcher behind EventBridge, "JSON Array Matching":
    https://github.com/aws/event-ruler#json-array-matching). moto's own
    flattening stops at arrays, so a pattern on
    requestParameters.tagSet.items.key would never match there."""
    if result is None:
        result = {}
    objects = [node] if isinstance(node, dict) else [n for n in node if isinstance(n, dict)]
    for obj in objects:
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else k
            if (isinstance(v, dict) and v) or (isinstance(v, list) and v and all(isinstance(i, dict) for i in v)):
                crush_arrays(v, key, result)
            elif key in result:
                old = result[key] if isinstance(result[key], list) else [result[key]]
                result[key] = old + (v if isinstance(v, list) else [v])
            else:
                result[key] = v
    return result


def delivered(pattern, events):
    """The names of the events that a rule with `pattern` delivers, by moto's matcher."""
    from moto.events.models import EventPattern

    with mock.patch.object(EventPattern, "_flatten_dict", staticmethod(crush_arrays)), mock_aws():
        region = "us-east-1"
        bus = boto3.client("events", region_name=region)
        sqs = boto3.client("sqs", region_name=region)
        url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus.put_rule(Name="rule", EventPattern=json.dumps(pattern))
        bus.put_targets(Rule="rule", Targets=[{"Id": "q", "Arn": arn}])
        matched = set()
        for name, event in events.items():
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event.get("resources", []),
            }
            result = bus.put_events(Entries=[entry])
            assert result["FailedEntryCount"] == 0, result
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            for message in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if got:
                matched.add(name)
        return matched


class EventPatterns(unittest.TestCase):
    def test_every_rule_is_checked(self):
        self.assertEqual(set(rules()), set(EXPECTED))

    def test_each_rule_matches_its_fixtures_and_rejects_everything_else(self):
        events = {name: fixture(name) for name in EVENT_FIXTURES}
        events.update(near_misses())
        for name, pattern in rules().items():
            with self.subTest(rule=name):
                self.assertEqual(delivered(pattern, events), EXPECTED[name])

    def test_the_forwarders_match_what_the_hub_matches(self):
        found = rules()
        self.assertEqual(found["forwarder:TagChangeRule"], found["hub:TagChangeRule"])
        self.assertEqual(found["forwarder:VpcCloudTrailRule"], found["hub:VpcCloudTrailRule"])
        self.assertEqual(found["forwarder:PeeringCloudTrailRule"], found["hub:PeeringCloudTrailRule"])
        self.assertEqual(found["forwarder:TagCloudTrailRule"], found["hub:TagCloudTrailRule"])
        self.assertEqual(found["forwarder:NetworkManagerRule"], found["hub:NetworkManagerRule"])
        # The workload forwarder: the VPC rules, exactly, and nothing else.
        workload = {name.split(":")[1] for name in found if name.startswith("workload:")}
        self.assertEqual(workload, {"TagChangeRule", "VpcCloudTrailRule", "TagCloudTrailRule"})
        for name in workload:
            with self.subTest(rule=name):
                self.assertEqual(found[f"workload:{name}"], found[f"hub:{name}"])
                self.assertEqual(found[f"workload:{name}"], found[f"forwarder:{name}"])

    def test_the_workload_cloudtrail_rules_follow_the_same_switch_as_the_forwarders(self):
        for template in (FORWARDER, WORKLOAD):
            self.assertEqual(template["Parameters"]["EnableCloudTrailRules"]["Default"], "false")
        for name in ("VpcCloudTrailRule", "TagCloudTrailRule"):
            with self.subTest(rule=name):
                state = plain(WORKLOAD["Resources"][name]["Properties"]["State"])
                self.assertEqual(state, {"Fn::If": ["CloudTrailRules", "ENABLED", "DISABLED"]})
        self.assertEqual(
            plain(WORKLOAD["Conditions"]["CloudTrailRules"]),
            {"Fn::Equals": [{"Ref": "EnableCloudTrailRules"}, "true"]},
        )


class Wiring(unittest.TestCase):
    """Every trigger reaches the reconciler through the one FIFO queue; the
    watcher reads only its re-check queue."""

    def rules(self):
        return {
            name: plain(resource)
            for name, resource in HUB["Resources"].items()
            if resource["Type"] == "AWS::Events::Rule"
        }

    def test_every_rule_sends_its_events_to_the_reconcile_queue_in_one_message_group(self):
        self.assertEqual(
            set(self.rules()),
            {
                "TagChangeRule",
                "SweepRule",
                "StateChangeRule",
                "VpcCloudTrailRule",
                "TagCloudTrailRule",
                "PeeringCloudTrailRule",
                "NetworkManagerRule",
            },
        )
        for name, rule in self.rules().items():
            (target,) = rule["Properties"]["Targets"]
            with self.subTest(rule=name):
                self.assertEqual(target["Arn"], {"Fn::GetAtt": ["ReconcileQueue", "Arn"]})
                self.assertEqual(target["SqsParameters"], {"MessageGroupId": "tgw-peering"})
                self.assertNotIn("InputTransformer", target, "the event is the message body")
                self.assertIn("DeadLetterConfig", target)

    def test_each_function_reads_one_queue_and_nothing_invokes_it_otherwise(self):
        sources = {}
        for name, resource in HUB["Resources"].items():
            if resource["Type"] == "AWS::Serverless::Function":
                (event,) = plain(resource["Properties"]["Events"]).values()
                self.assertEqual(event["Type"], "SQS", name)
                self.assertEqual(event["Properties"]["FunctionResponseTypes"], ["ReportBatchItemFailures"])
                self.assertLessEqual(event["Properties"]["BatchSize"], 10)
                sources[name] = event["Properties"]["Queue"]["Fn::GetAtt"][0]
        self.assertEqual(sources, {"Reconciler": "ReconcileQueue", "AttachmentWatcher": "RecheckQueue"})
        kinds = {r["Type"] for r in HUB["Resources"].values()}
        self.assertNotIn("AWS::Lambda::Permission", kinds)

    def test_the_reconcile_queue_is_fifo_and_keeps_each_event_once(self):
        queue = HUB["Resources"]["ReconcileQueue"]["Properties"]
        self.assertIs(queue["FifoQueue"], True)
        self.assertIs(queue["ContentBasedDeduplication"], True)
        self.assertGreaterEqual(queue["VisibilityTimeout"], 6 * HUB["Globals"]["Function"]["Timeout"])
        dlq = plain(queue["RedrivePolicy"])["deadLetterTargetArn"]["Fn::GetAtt"][0]
        self.assertIs(HUB["Resources"][dlq]["Properties"]["FifoQueue"], True)

    def test_only_the_hub_rules_may_send_to_the_reconcile_queue(self):
        policy = plain(HUB["Resources"]["ReconcileQueuePolicy"]["Properties"]["PolicyDocument"])
        allow, deny = policy["Statement"]

        def rule_names(statement, operator):
            names = set()
            for arn in statement["Condition"][operator]["aws:SourceArn"]:
                if "Fn::If" in arn:
                    arn = arn["Fn::If"][1]
                names.add(arn["Fn::GetAtt"][0])
            return names

        self.assertEqual(allow["Principal"], {"Service": "events.amazonaws.com"})
        self.assertEqual(rule_names(allow, "ArnEquals"), set(self.rules()))
        self.assertEqual((deny["Effect"], deny["Principal"], deny["Action"]), ("Deny", "*", "sqs:SendMessage"))
        self.assertEqual(rule_names(deny, "ArnNotEquals"), set(self.rules()))

    def test_only_the_functions_may_send_rechecks(self):
        policy = plain(HUB["Resources"]["RecheckQueuePolicy"]["Properties"]["PolicyDocument"])
        (deny,) = policy["Statement"]
        self.assertEqual((deny["Effect"], deny["Action"]), ("Deny", "sqs:SendMessage"))
        roles = {arn["Fn::GetAtt"][0] for arn in deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
        self.assertEqual(roles, {"ReconcilerRole", "AttachmentWatcherRole"})

    def test_the_state_change_rule_listens_on_the_bus_the_functions_publish_to(self):
        rule = HUB["Resources"]["StateChangeRule"]
        env = HUB["Globals"]["Function"]["Environment"]["Variables"]
        self.assertEqual(plain(rule["Properties"]["EventBusName"]), plain(env["EVENT_BUS_NAME"]))
        self.assertEqual(plain(env["RECHECK_QUEUE_URL"]), {"Ref": "RecheckQueue"})

    def test_the_functions_know_both_their_roles_so_their_own_calls_start_nothing(self):
        env = HUB["Globals"]["Function"]["Environment"]["Variables"]
        roles = {
            resource["Properties"]["Role"]["Fn::GetAtt"][0]
            for resource in plain(HUB["Resources"]).values()
            if resource["Type"] == "AWS::Serverless::Function"
        }
        joined = plain(env["TOOL_ROLE_ARNS"])["Fn::Join"]
        self.assertEqual(joined[0], ",")
        self.assertEqual({arn["Fn::GetAtt"][0] for arn in joined[1]}, roles)

    def test_the_recheck_queue_visibility_suits_the_function_and_the_watcher(self):
        timeout = HUB["Globals"]["Function"]["Timeout"]
        visibility = HUB["Resources"]["RecheckQueue"]["Properties"]["VisibilityTimeout"]
        self.assertGreaterEqual(visibility, 6 * timeout)
        # The watcher gives up after 30 minutes: a redelivered re-check must still count.
        self.assertLess(visibility, 30 * 60)

    def test_the_reconcile_queue_visibility_suits_the_function(self):
        # "at least six times the timeout that you configure on your
        # function" (Lambda Developer Guide, SQS event source mappings).
        timeout = HUB["Globals"]["Function"]["Timeout"]
        visibility = HUB["Resources"]["ReconcileQueue"]["Properties"]["VisibilityTimeout"]
        self.assertGreaterEqual(visibility, 6 * timeout)

    def test_both_functions_allow_the_chains_that_feed_their_own_queues(self):
        # The watcher's re-checks and the reconciler's continuations come
        # back to the queue that invokes them: recursive loop detection
        # must not cut them; their own bounds end them.
        for name in ("Reconciler", "AttachmentWatcher"):
            with self.subTest(function=name):
                self.assertEqual(HUB["Resources"][name]["Properties"].get("RecursiveLoop"), "Allow")

    def test_both_functions_log_json_at_info_so_metric_and_audit_lines_reach_cloudwatch(self):
        # A JSON line with no "level" (an embedded metric format document)
        # is INFO to Lambda's log-level filtering; the audit lines are INFO.
        for name in ("Reconciler", "AttachmentWatcher"):
            with self.subTest(function=name):
                logging = plain(HUB["Resources"][name]["Properties"]["LoggingConfig"])
                self.assertEqual(logging["LogFormat"], "JSON")
                self.assertEqual(logging["ApplicationLogLevel"], "INFO")
                self.assertEqual(logging["LogGroup"], {"Ref": f"{name}Logs"})

    def test_every_forwarder_rule_targets_the_hub_bus_its_role_may_put_to(self):
        role = plain(FORWARDER["Resources"]["ForwardRole"])
        (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        for name, resource in FORWARDER["Resources"].items():
            if resource["Type"] == "AWS::Events::Rule":
                (target,) = plain(resource["Properties"]["Targets"])
                with self.subTest(rule=name):
                    self.assertEqual(target["Arn"], statement["Resource"])
                    self.assertEqual(target["RoleArn"], {"Fn::GetAtt": ["ForwardRole", "Arn"]})
                    self.assertIn("DeadLetterConfig", target)


# The fields of the functions' audit lines (functions/core/src/handler.rs,
# AuditRecord), under "fields" in the JSON log format.
AUDIT_FIELDS = {"message", "event_id", "decision", "kind", "region", "subject", "reason", "result", "code"}


class AuditQueries(unittest.TestCase):
    def test_metric_filters_and_queries_use_only_audit_fields(self):
        import re

        texts = []
        for resource in HUB["Resources"].values():
            if resource["Type"] == "AWS::Logs::MetricFilter":
                texts.append(resource["Properties"]["FilterPattern"])
            if resource["Type"] == "AWS::Logs::QueryDefinition":
                texts.append(resource["Properties"]["QueryString"])
        self.assertGreaterEqual(len(texts), 6)
        for text in texts:
            used = set(re.findall(r"fields\.([a-z_]+)", text))
            self.assertTrue(used, text)
            self.assertLessEqual(used, AUDIT_FIELDS, text)


def manifest():
    out = subprocess.run([str(BIN), "manifest"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def statements(document):
    """A policy document's statements; a conditional one (Fn::If with
    AWS::NoValue) counts as granted."""
    for statement in document["Statement"]:
        if set(statement) == {"Fn::If"}:
            _, granted, otherwise = statement["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}, statement
            statement = granted
        yield statement


def policy_actions(role):
    actions = set()
    for policy in role["Properties"].get("Policies", []):
        for statement in statements(policy["PolicyDocument"]):
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def all_policy_documents(template):
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for policy in props.get("Policies", []):
            yield policy["PolicyDocument"]
        if "PolicyDocument" in props:
            yield props["PolicyDocument"]
        if "AssumeRolePolicyDocument" in props:
            yield props["AssumeRolePolicyDocument"]


# What Lambda itself needs, beyond the functions' own calls.
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Each function's event source mapping (the reconcile queue, the re-check
# queue) polls with the function's role.
SQS_POLLING = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Tags given in CreateTransitGatewayPeeringAttachment and
# CreateManagedPrefixList (TagSpecifications) need ec2:CreateTags.
TAG_ON_CREATE = {"ec2:CreateTags"}
# GetCallerIdentity needs no permission (and cannot be denied).
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}
# Called in the hub account only: the spoke role grants none of these.
HUB_ONLY = {"events:PutEvents", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sts:AssumeRole"}


class EnvironmentAndPermissions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.manifest = manifest()

    def test_the_hub_sets_exactly_the_variables_the_functions_read(self):
        variables = set(HUB["Globals"]["Function"]["Environment"]["Variables"])
        for name, resource in HUB["Resources"].items():
            if resource["Type"] == "AWS::Serverless::Function":
                own = resource["Properties"].get("Environment", {}).get("Variables", {})
                variables |= set(own)
        # ACTIVE_REGION and PASSIVE_REGION are the two-Region alternative to PEERING_REGIONS.
        read = set(self.manifest["environment"]) - {"ACTIVE_REGION", "PASSIVE_REGION"}
        self.assertEqual(variables, read)

    def test_each_role_grants_exactly_the_calls_its_function_makes(self):
        calls = set(self.manifest["calls"]) - NEEDS_NO_PERMISSION
        expected = {
            "ReconcilerRole": calls | TAG_ON_CREATE | LOGS | SQS_POLLING,
            # The watcher only reads, publishes and schedules.
            "AttachmentWatcherRole": set(self.manifest["watcher_calls"]) | LOGS | SQS_POLLING,
        }
        for role, wanted in expected.items():
            with self.subTest(role=role):
                self.assertEqual(policy_actions(plain(HUB["Resources"][role])), wanted)

    def test_the_watcher_writes_nothing_to_ec2(self):
        watcher = policy_actions(plain(HUB["Resources"]["AttachmentWatcherRole"]))
        ec2 = {a for a in watcher if a.startswith("ec2:")}
        self.assertTrue(ec2)
        self.assertTrue(all(a.split(":")[1].startswith(("Describe", "Get", "Search")) for a in ec2), ec2)

    def test_vpc_route_writes_are_granted_only_with_manage_vpc_routes(self):
        role = plain(HUB["Resources"]["ReconcilerRole"])
        (document,) = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
        granting = [s for s in document["Statement"] if "ec2:CreateRoute" in json.dumps(s)]
        self.assertEqual(len(granting), 1)
        condition, statement, otherwise = granting[0]["Fn::If"]
        self.assertEqual(condition, "VpcRoutesManaged")
        self.assertEqual(otherwise, {"Ref": "AWS::NoValue"})
        self.assertEqual(set(statement["Action"]), {"ec2:CreateRoute", "ec2:DeleteRoute"})
        self.assertEqual(
            plain(HUB["Conditions"]["VpcRoutesManaged"]), {"Fn::Equals": [{"Ref": "ManageVpcRoutes"}, "true"]}
        )

    def test_only_the_functions_may_put_events_on_the_tools_bus(self):
        policy = plain(HUB["Resources"]["ToolEventBusPolicy"]["Properties"])
        self.assertEqual(policy["EventBusName"], {"Ref": "ToolEventBus"})
        statement = policy["Statement"]
        self.assertEqual((statement["Effect"], statement["Principal"], statement["Action"]), ("Deny", "*", "events:PutEvents"))
        roles = {arn["Fn::GetAtt"][0] for arn in statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
        self.assertEqual(roles, {"ReconcilerRole", "AttachmentWatcherRole"})

    def test_the_operator_policy_grants_exactly_the_reads_of_plan_and_status(self):
        document = plain(HUB["Resources"]["OperatorReadOnlyPolicy"]["Properties"]["PolicyDocument"])
        actions = set()
        for statement in statements(document):
            self.assertEqual(statement["Effect"], "Allow")
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
        self.assertEqual(actions, set(self.manifest["read_calls"]) | {"sts:AssumeRole"})
        self.assertIn("OperatorReadOnlyPolicyArn", HUB["Outputs"])

    def test_each_function_runs_with_its_own_role(self):
        self.assertEqual(HUB["Resources"]["Reconciler"]["Properties"]["Role"], {"Fn::GetAtt": ["ReconcilerRole", "Arn"]})
        self.assertEqual(
            HUB["Resources"]["AttachmentWatcher"]["Properties"]["Role"], {"Fn::GetAtt": ["AttachmentWatcherRole", "Arn"]}
        )

    def test_the_forwarder_role_may_only_put_events(self):
        for stack, template in (("forwarder", FORWARDER), ("workload", WORKLOAD)):
            with self.subTest(stack=stack):
                self.assertEqual(policy_actions(plain(template["Resources"]["ForwardRole"])), {"events:PutEvents"})

    def test_no_iam_action_holds_a_wildcard(self):
        for stack, template in (("hub", HUB), ("forwarder", FORWARDER), ("spoke", SPOKE), ("workload", WORKLOAD)):
            for document in all_policy_documents(plain(template)):
                for statement in statements(document):
                    listed = statement["Action"]
                    for action in [listed] if isinstance(listed, str) else listed:
                        with self.subTest(stack=stack, action=action):
                            self.assertNotIn("*", action)

    def test_logs_are_kept_ninety_days_by_default(self):
        self.assertEqual(HUB["Parameters"]["LogRetentionDays"]["Default"], 90)
        groups = [r for r in HUB["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
        self.assertEqual(len(groups), 2)
        for group in groups:
            self.assertEqual(plain(group["Properties"]["RetentionInDays"]), {"Ref": "LogRetentionDays"})



class MultiAccount(unittest.TestCase):
    """spoke-role.yaml, and what the hub and the forwarder give other accounts."""

    @classmethod
    def setUpClass(cls):
        cls.manifest = manifest()

    def spoke_role(self):
        (role,) = [r for r in plain(SPOKE)["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
        return role

    def test_the_spoke_role_grants_exactly_the_manifests_ec2_calls(self):
        ec2 = {c for c in self.manifest["calls"] if c.startswith("ec2:")}
        self.assertTrue(ec2)
        self.assertEqual({c for c in self.manifest["calls"] if not c.startswith("ec2:")} - NEEDS_NO_PERMISSION, HUB_ONLY)
        # A spoke that requests a peering tags it on create (ec2:CreateTags,
        # conditioned on ec2:CreateAction like the hub's).
        self.assertEqual(policy_actions(self.spoke_role()), ec2 | TAG_ON_CREATE)
        self.assertEqual(len(SPOKE["Resources"]), 1, "the role and nothing else")

    def test_the_spoke_role_trusts_only_the_hub_roles_with_the_external_id(self):
        (statement,) = self.spoke_role()["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(statement["Action"], "sts:AssumeRole")
        self.assertEqual(statement["Principal"], {"AWS": {"Ref": "HubRoleArns"}})
        self.assertEqual(statement["Condition"], {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}})
        self.assertNotIn("Default", SPOKE["Parameters"]["HubRoleArns"])
        self.assertNotIn("Default", SPOKE["Parameters"]["ExternalId"])
        self.assertGreaterEqual(SPOKE["Parameters"]["ExternalId"]["MinLength"], 2)
        # HubRoleArns are the hub's two function roles, which it outputs.
        outputs = plain(HUB["Outputs"])
        self.assertEqual(outputs["ReconcilerRoleArn"]["Value"], {"Fn::GetAtt": ["ReconcilerRole", "Arn"]})
        self.assertEqual(outputs["AttachmentWatcherRoleArn"]["Value"], {"Fn::GetAtt": ["AttachmentWatcherRole", "Arn"]})

    def test_the_hub_assumes_only_the_listed_spoke_roles_and_only_when_set(self):
        for role in ("ReconcilerRole", "AttachmentWatcherRole"):
            document = plain(HUB["Resources"][role])["Properties"]["Policies"][0]["PolicyDocument"]
            conditional = [
                s["Fn::If"]
                for s in document["Statement"]
                if set(s) == {"Fn::If"} and s["Fn::If"][0] == "AssumeSpokeRoles"
            ]
            with self.subTest(role=role):
                self.assertEqual(len(conditional), 1)
                condition, statement, _ = conditional[0]
                self.assertEqual(condition, "AssumeSpokeRoles")
                self.assertEqual(statement["Action"], ["sts:AssumeRole"])
                self.assertEqual(statement["Resource"], {"Ref": "SpokeRoleArns"})
        self.assertEqual(
            plain(HUB["Conditions"]["AssumeSpokeRoles"]),
            {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SpokeRoleArns"}]}, ""]}]},
        )
        env = plain(HUB["Globals"]["Function"]["Environment"]["Variables"])
        self.assertEqual(env["ACCOUNT_ROLE_ARNS"], {"Ref": "AccountRoleArns"})
        self.assertEqual(env["ROLE_EXTERNAL_ID"], {"Ref": "RoleExternalId"})
        for parameter in (
            "AccountRoleArns",
            "SpokeRoleArns",
            "SpokeAccountIds",
            "RoleExternalId",
            "OrganizationId",
            "WorkloadRoleName",
            "ExcludedAccountIds",
        ):
            self.assertEqual(HUB["Parameters"][parameter]["Default"], "", parameter)

    def test_the_spoke_accounts_may_put_events_on_the_hub_default_bus(self):
        policy = plain(HUB["Resources"]["SpokeAccountsPutEvents"])
        self.assertEqual(policy["Type"], "AWS::Events::EventBusPolicy")
        self.assertEqual(policy["Condition"], "SpokeAccounts")
        self.assertEqual(policy["Properties"]["EventBusName"], "default")
        statement = policy["Properties"]["Statement"]
        self.assertEqual(statement["Principal"], {"AWS": {"Ref": "SpokeAccountIds"}})
        self.assertEqual(statement["Action"], "events:PutEvents")
        self.assertEqual(statement["Resource"], plain(HUB["Outputs"]["HubEventBusArn"]["Value"]))

    def test_a_forwarder_in_a_spoke_account_targets_the_hub_accounts_bus(self):
        role = plain(FORWARDER["Resources"]["ForwardRole"])
        (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        condition, same, other = statement["Resource"]["Fn::If"]
        self.assertEqual(condition, "SameAccount")
        self.assertIn("${AWS::AccountId}", same["Fn::Sub"])
        self.assertIn("${HubAccountId}", other["Fn::Sub"])
        self.assertEqual(FORWARDER["Parameters"]["HubAccountId"]["Default"], "")


# The hub's default bus in its own Region, where every forwarder puts events.
HUB_DEFAULT_BUS = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
# The same bus seen from a workload account.
HUB_BUS_FROM_WORKLOAD = {"Fn::Sub": "arn:${AWS::Partition}:events:${HubRegion}:${HubAccountId}:event-bus/default"}
# The hub's statement that lets its functions (and operators) assume the
# workload role, once WorkloadRoleName is set.
ASSUME_WORKLOAD_ROLE = {
    "Sid": "AssumeWorkloadRoles",
    "Effect": "Allow",
    "Action": ["sts:AssumeRole"],
    "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${WorkloadRoleName}"},
    "Condition": {
        "Fn::If": [
            "Organization",
            {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}},
            {"Ref": "AWS::NoValue"},
        ]
    },
}
# Properties that name a resource: a named resource of a StackSet instance
# would collide with its twin in the account's other Regions when global
# (IAM), or across stack updates.
NAMING = {"RoleName", "ManagedPolicyName", "QueueName", "Name", "TopicName", "AlarmName", "LogGroupName"}


class Organizations(unittest.TestCase):
    """workload.yaml (a service-managed StackSet in the workload accounts),
    and what the hub gives the organization."""

    @classmethod
    def setUpClass(cls):
        cls.manifest = manifest()

    def workload_role(self):
        return plain(WORKLOAD["Resources"]["WorkloadReadRole"])

    def test_workload_role_name_cannot_be_set_without_the_organization_or_the_external_id(self):
        rule = HUB["Rules"]["WorkloadRolesNeedTheOrganization"]
        self.assertEqual(
            rule["RuleCondition"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "WorkloadRoleName"}, ""]}]}
        )
        organization, external_id = rule["Assertions"]
        self.assertEqual(
            organization["Assert"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "OrganizationId"}, ""]}]}
        )
        self.assertEqual(
            external_id["Assert"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "RoleExternalId"}, ""]}]}
        )

    def test_the_workload_role_allows_only_ec2_describe_vpcs_and_route_tables(self):
        role = self.workload_role()
        (policy,) = role["Properties"]["Policies"]
        (statement,) = policy["PolicyDocument"]["Statement"]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(statement["Action"], ["ec2:DescribeVpcs", "ec2:DescribeRouteTables"])
        # Neither has a resource type (Service Authorization Reference, Amazon EC2).
        self.assertEqual(statement["Resource"], "*")
        self.assertNotIn("Condition", statement)
        self.assertNotIn("ManagedPolicyArns", role["Properties"])
        self.assertNotIn("PermissionsBoundary", role["Properties"])
        # The call the functions make with it.
        self.assertIn("ec2:DescribeVpcs", self.manifest["calls"])
        self.assertIn("ec2:DescribeVpcs", self.manifest["watcher_calls"])
        self.assertIn("ec2:DescribeVpcs", self.manifest["read_calls"])
        self.assertIn("ec2:DescribeRouteTables", self.manifest["calls"])
        iam = {n for n, r in WORKLOAD["Resources"].items() if r["Type"].startswith("AWS::IAM::")}
        self.assertEqual(iam, {"WorkloadReadRole", "ForwardRole"})

    def test_the_workload_role_trusts_only_the_hub_roles_with_the_external_id(self):
        (statement,) = self.workload_role()["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(statement["Action"], "sts:AssumeRole")
        self.assertEqual(statement["Principal"], {"AWS": {"Ref": "HubRoleArns"}})
        self.assertEqual(statement["Condition"], {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}})
        parameters = WORKLOAD["Parameters"]
        self.assertEqual(parameters["HubRoleArns"]["Type"], "CommaDelimitedList")
        self.assertNotIn("Default", parameters["HubRoleArns"])
        external_id = parameters["ExternalId"]
        self.assertNotIn("Default", external_id)
        self.assertIs(external_id["NoEcho"], True)
        self.assertEqual((external_id["MinLength"], external_id["MaxLength"]), (2, 1224))
        self.assertEqual(external_id, SPOKE["Parameters"]["ExternalId"], "the same external id as the spoke role's")
        # HubRoleArns are the hub's two function roles, which it outputs,
        # one by one and as the comma list the StackSet takes.
        outputs = plain(HUB["Outputs"])
        self.assertEqual(outputs["ReconcilerRoleArn"]["Value"], {"Fn::GetAtt": ["ReconcilerRole", "Arn"]})
        self.assertEqual(outputs["AttachmentWatcherRoleArn"]["Value"], {"Fn::GetAtt": ["AttachmentWatcherRole", "Arn"]})
        self.assertEqual(
            outputs["HubRoleArns"]["Value"],
            {"Fn::Join": [",", [{"Fn::GetAtt": ["ReconcilerRole", "Arn"]}, {"Fn::GetAtt": ["AttachmentWatcherRole", "Arn"]}]]},
        )

    def test_the_workload_role_is_created_in_one_region_only(self):
        role = self.workload_role()
        self.assertEqual(role["Condition"], "CreateReadRole")
        self.assertEqual(
            plain(WORKLOAD["Conditions"]["CreateReadRole"]),
            {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "RoleRegion"}]},
        )
        self.assertNotIn("Default", WORKLOAD["Parameters"]["RoleRegion"])
        # The role the hub assumes by name: the name is the hub's WorkloadRoleName.
        self.assertEqual(role["Properties"]["RoleName"], {"Ref": "WorkloadRoleName"})
        self.assertEqual(WORKLOAD["Parameters"]["WorkloadRoleName"]["Default"], "tgw-peering-workload-read")
        self.assertEqual(
            plain(WORKLOAD["Outputs"]["WorkloadRoleArn"]),
            {
                "Condition": "CreateReadRole",
                "Description": WORKLOAD["Outputs"]["WorkloadRoleArn"]["Description"],
                "Value": {"Fn::GetAtt": ["WorkloadReadRole", "Arn"]},
            },
        )

    def test_the_workload_stack_can_be_deployed_by_a_service_managed_stackset(self):
        # Plain CloudFormation: a StackSet takes no SAM transform.
        self.assertNotIn("Transform", WORKLOAD)
        for name, resource in plain(WORKLOAD)["Resources"].items():
            named = NAMING & set(resource.get("Properties", {}))
            with self.subTest(resource=name):
                if name == "WorkloadReadRole":
                    self.assertEqual(named, {"RoleName"})
                    self.assertEqual(resource["Condition"], "CreateReadRole")
                else:
                    self.assertEqual(named, set(), "named in every Region of the StackSet")

    def test_every_workload_forwarder_rule_targets_the_hub_bus_its_role_may_put_to(self):
        role = plain(WORKLOAD["Resources"]["ForwardRole"])
        (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        self.assertEqual(statement["Action"], ["events:PutEvents"])
        self.assertEqual(statement["Resource"], HUB_BUS_FROM_WORKLOAD)
        (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        self.assertEqual(trust["Principal"], {"Service": "events.amazonaws.com"})
        self.assertEqual(trust["Condition"], {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}})
        rules_seen = 0
        for name, resource in WORKLOAD["Resources"].items():
            if resource["Type"] == "AWS::Events::Rule":
                rules_seen += 1
                (target,) = plain(resource["Properties"]["Targets"])
                with self.subTest(rule=name):
                    self.assertNotIn("EventBusName", resource["Properties"], "the account's default bus")
                    self.assertEqual(target["Arn"], HUB_BUS_FROM_WORKLOAD)
                    self.assertEqual(target["RoleArn"], {"Fn::GetAtt": ["ForwardRole", "Arn"]})
                    self.assertIn("DeadLetterConfig", target)
        self.assertEqual(rules_seen, 3)
        for parameter in ("HubRegion", "HubAccountId"):
            self.assertNotIn("Default", WORKLOAD["Parameters"][parameter], parameter)

    def test_the_hub_bus_policy_for_forwarders_is_conditioned_on_the_principal_org_id(self):
        import re

        policy = plain(HUB["Resources"]["OrganizationPutEvents"])
        self.assertEqual(policy["Type"], "AWS::Events::EventBusPolicy")
        self.assertEqual(policy["Condition"], "Organization")
        self.assertEqual(
            plain(HUB["Conditions"]["Organization"]),
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "OrganizationId"}, ""]}]},
        )
        # The bus the spoke accounts' forwarders use too.
        spokes = plain(HUB["Resources"]["SpokeAccountsPutEvents"])["Properties"]
        self.assertEqual(policy["Properties"]["EventBusName"], spokes["EventBusName"])
        self.assertEqual(policy["Properties"]["EventBusName"], "default")
        self.assertNotEqual(policy["Properties"]["StatementId"], spokes["StatementId"])
        statement = policy["Properties"]["Statement"]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(statement["Action"], "events:PutEvents")
        self.assertEqual(statement["Resource"], HUB_DEFAULT_BUS)
        self.assertEqual(statement["Resource"], plain(HUB["Outputs"]["HubEventBusArn"]["Value"]))
        # The organization, not a list of accounts.
        self.assertEqual(statement["Principal"], "*")
        self.assertEqual(statement["Condition"], {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}})
        pattern = HUB["Parameters"]["OrganizationId"]["AllowedPattern"]
        for good in ("", "o-a1b2c3d4e5", "o-" + "a" * 32):
            self.assertTrue(re.fullmatch(pattern, good), good)
        for bad in ("o-short", "o-ABCDEFGHIJ", "r-a1b2c3d4e5", "123456789012", "o-" + "a" * 33):
            self.assertFalse(re.fullmatch(pattern, bad), bad)

    def test_the_functions_may_assume_only_the_workload_role_name_only_when_set(self):
        documents = {
            role: plain(HUB["Resources"][role])["Properties"]["Policies"][0]["PolicyDocument"]
            for role in ("ReconcilerRole", "AttachmentWatcherRole")
        }
        # plan and status read the workload VPCs as the functions do.
        documents["OperatorReadOnlyPolicy"] = plain(HUB["Resources"]["OperatorReadOnlyPolicy"])["Properties"][
            "PolicyDocument"
        ]
        for name, document in documents.items():
            conditional = [
                s["Fn::If"]
                for s in document["Statement"]
                if set(s) == {"Fn::If"} and s["Fn::If"][0] == "AssumeWorkloadRoles"
            ]
            with self.subTest(policy=name):
                self.assertEqual(len(conditional), 1)
                _, statement, otherwise = conditional[0]
                self.assertEqual(statement, ASSUME_WORKLOAD_ROLE)
                self.assertEqual(otherwise, {"Ref": "AWS::NoValue"})
                # No other statement grants sts:AssumeRole on anything but
                # the listed spoke roles.
                for other in statements(document):
                    if other is not statement and other.get("Sid") != "AssumeSpokeRoles":
                        self.assertNotIn("sts:AssumeRole", json.dumps(other.get("Action")))
        self.assertEqual(
            plain(HUB["Conditions"]["AssumeWorkloadRoles"]),
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "WorkloadRoleName"}, ""]}]},
        )

    def test_shared_segments_reaches_the_functions_and_allows_the_segment_names_the_code_does(self):
        import re

        env = plain(HUB["Globals"]["Function"]["Environment"]["Variables"])
        self.assertEqual(env["SHARED_SEGMENTS"], {"Ref": "SharedSegments"})
        parameter = HUB["Parameters"]["SharedSegments"]
        self.assertEqual(parameter["Default"], "")
        pattern = re.compile(parameter["AllowedPattern"])
        # Segment::parse: 1 to 32 lower-case letters, digits and '-',
        # starting with a letter.
        for value in ["", "shared", "shared,prod-1", "a" * 32]:
            self.assertIsNotNone(pattern.fullmatch(value), value)
        for value in ["Shared", "9lives", "prod_1", "a" * 33, "shared,", ",shared", "pröd"]:
            self.assertIsNone(pattern.fullmatch(value), value)

    def test_workload_role_name_reaches_both_functions_as_WORKLOAD_ROLE_NAME(self):
        import re

        env = plain(HUB["Globals"]["Function"]["Environment"]["Variables"])
        self.assertEqual(env["WORKLOAD_ROLE_NAME"], {"Ref": "WorkloadRoleName"})
        self.assertEqual(env["EXCLUDED_ACCOUNT_IDS"], {"Ref": "ExcludedAccountIds"})
        self.assertEqual(HUB["Parameters"]["ExcludedAccountIds"]["Default"], "")
        self.assertEqual(env["ROLE_EXTERNAL_ID"], {"Ref": "RoleExternalId"})
        for name, resource in HUB["Resources"].items():
            if resource["Type"] == "AWS::Serverless::Function":
                own = resource["Properties"].get("Environment", {}).get("Variables", {})
                with self.subTest(function=name):
                    self.assertNotIn("WORKLOAD_ROLE_NAME", own, "the Globals value reaches it unchanged")
        hub = HUB["Parameters"]["WorkloadRoleName"]
        self.assertEqual(hub["Default"], "", "empty: organizations off")
        workload = WORKLOAD["Parameters"]["WorkloadRoleName"]
        for good in ("", "tgw-peering-workload-read", "a", "A+=,.@_-9", "r" * 64):
            self.assertTrue(re.fullmatch(hub["AllowedPattern"], good), good)
        for bad in ("with space", "role/path", "r" * 65, "tgw:peering"):
            self.assertFalse(re.fullmatch(hub["AllowedPattern"], bad), bad)
            self.assertFalse(re.fullmatch(workload["AllowedPattern"], bad), bad)
        # The workload StackSet's default is a name the hub accepts.
        self.assertTrue(re.fullmatch(hub["AllowedPattern"], workload["Default"]))


def roles():
    """Every role that writes to EC2: stack:name -> role (plain). The watcher only reads
    (`test_the_watcher_writes_nothing_to_ec2`)."""
    found = {"hub:ReconcilerRole": plain(HUB["Resources"]["ReconcilerRole"])}
    for name, resource in plain(SPOKE)["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            found[f"spoke:{name}"] = resource
    return found


def granting(role, action):
    """The statements of `role` that allow `action`."""
    for policy in role["Properties"].get("Policies", []):
        for statement in statements(policy["PolicyDocument"]):
            listed = statement["Action"]
            if action in ([listed] if isinstance(listed, str) else listed):
                yield statement


def resources(statement):
    listed = statement["Resource"]
    return [listed] if not isinstance(listed, list) else listed


def arn(resource_type):
    """An ARN pattern of `resource_type` in this account, in every Region."""
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:ec2:*:${{AWS::AccountId}}:{resource_type}/*"}


# The create actions the functions tag through TagSpecifications, and the
# resource type each creates (Service Authorization Reference, Amazon EC2).
TAGGED_ON_CREATE = {
    "CreateTransitGatewayPeeringAttachment": "transit-gateway-attachment",
    "CreateManagedPrefixList": "prefix-list",
}
MANAGED_ONLY = {"StringEquals": {"aws:ResourceTag/tgw-peering:managed": "true"}}
# The statements that let the reconciler keep its records on its lists,
# and adopt a list that records no deployment.
RECORDS = "RecordOnManagedLedgerLists"
ADOPTION = "AdoptUnrecordedLedgerLists"
# The statement that lets the reconciler record the broken hops it
# announced on the managed route tables.
BROKEN_HOPS = "RecordBrokenHopsOnRouteTables"


class TaggingAndLedger(unittest.TestCase):
    """Tags only on create, and the ownership ledger's prefix lists."""

    def test_create_tags_only_on_create_and_only_on_what_that_action_creates(self):
        for name, role in roles().items():
            # Besides the records on the tool's own lists (see below).
            tagging = [
                s for s in granting(role, "ec2:CreateTags") if s.get("Sid") not in (RECORDS, ADOPTION, BROKEN_HOPS)
            ]
            with self.subTest(role=name):
                by_action = {}
                for statement in tagging:
                    self.assertEqual(statement["Action"], ["ec2:CreateTags"], "CreateTags in a statement of its own")
                    self.assertIn("Condition", statement, "CreateTags only with ec2:CreateAction")
                    self.assertEqual(set(statement["Condition"]), {"StringEquals"})
                    (key, action), = statement["Condition"]["StringEquals"].items()
                    self.assertEqual(key, "ec2:CreateAction")
                    self.assertIn(action, TAGGED_ON_CREATE)
                    by_action[action] = resources(statement)
                self.assertEqual(
                    by_action,
                    {action: [arn(kind)] for action, kind in TAGGED_ON_CREATE.items()},
                )

    def test_create_tags_on_prefix_lists_is_conditioned_on_create_managed_prefix_list(self):
        for name, role in roles().items():
            on_lists = [s for s in granting(role, "ec2:CreateTags") if arn("prefix-list") in resources(s)]
            on_create = [s for s in on_lists if s.get("Sid") not in (RECORDS, ADOPTION)]
            with self.subTest(role=name):
                self.assertEqual(len(on_create), 1)
                self.assertEqual(
                    on_create[0].get("Condition"), {"StringEquals": {"ec2:CreateAction": "CreateManagedPrefixList"}}
                )
                self.assertEqual(resources(on_create[0]), [arn("prefix-list")])

    def test_records_are_tags_of_the_tools_keys_on_the_tools_lists_only(self):
        for name, role in roles().items():
            with self.subTest(role=name):
                (create,) = [s for s in granting(role, "ec2:CreateTags") if s.get("Sid") == RECORDS]
                (adopt,) = [s for s in granting(role, "ec2:CreateTags") if s.get("Sid") == ADOPTION]
                (delete,) = [s for s in granting(role, "ec2:DeleteTags") if s.get("Sid") != BROKEN_HOPS]
                record_keys = [
                    "tgw-peering:peering",
                    "tgw-peering:resize",
                    "tgw-peering:isolated:*",
                    "tgw-peering:left:*",
                ]
                for statement, keys in (
                    (create, record_keys),
                    (delete, ["tgw-peering:isolated:*", "tgw-peering:left:*"]),
                ):
                    self.assertEqual(resources(statement), [arn("prefix-list")])
                    self.assertEqual(
                        statement["Condition"],
                        {**MANAGED_ONLY, "ForAllValues:StringLike": {"aws:TagKeys": keys}},
                    )
                # The deployment's key only on a list that records none.
                self.assertEqual(resources(adopt), [arn("prefix-list")])
                self.assertEqual(
                    adopt["Condition"],
                    {
                        **MANAGED_ONLY,
                        "Null": {"aws:ResourceTag/tgw-peering:transit-gateway": "true"},
                        "ForAllValues:StringLike": {"aws:TagKeys": ["tgw-peering:transit-gateway"]},
                    },
                )

    def test_broken_hops_are_recorded_on_route_tables_under_their_own_keys_only(self):
        for name, role in roles().items():
            with self.subTest(role=name):
                (statement,) = [s for s in granting(role, "ec2:CreateTags") if s.get("Sid") == BROKEN_HOPS]
                self.assertEqual(statement["Action"], ["ec2:CreateTags", "ec2:DeleteTags"])
                self.assertEqual(resources(statement), [arn("transit-gateway-route-table")])
                # The keys are the whole limit, and a request must name them
                # (a DeleteTags that names no tag removes every tag).
                self.assertEqual(
                    statement["Condition"],
                    {
                        "Null": {"aws:TagKeys": "false"},
                        "ForAllValues:StringLike": {"aws:TagKeys": ["tgw-peering:broken:*"]},
                    },
                )

    def test_the_ledger_lists_are_created_in_the_account_and_modified_only_when_managed(self):
        for name, role in roles().items():
            with self.subTest(role=name):
                (create,) = granting(role, "ec2:CreateManagedPrefixList")
                self.assertEqual(resources(create), [arn("prefix-list")])
                self.assertNotIn("Condition", create)
                (modify,) = granting(role, "ec2:ModifyManagedPrefixList")
                self.assertEqual(resources(modify), [arn("prefix-list")])
                self.assertEqual(modify.get("Condition"), MANAGED_ONLY)
                (delete,) = granting(role, "ec2:DeleteTransitGatewayPeeringAttachment")
                self.assertEqual(delete.get("Condition"), MANAGED_ONLY)

    def test_every_ec2_write_is_scoped_to_the_account_in_every_region(self):
        for name, role in roles().items():
            for policy in role["Properties"]["Policies"]:
                for statement in statements(policy["PolicyDocument"]):
                    ec2 = [a for a in statement["Action"] if a.startswith("ec2:")]
                    if not ec2 or statement["Resource"] == "*":
                        continue
                    with self.subTest(role=name, sid=statement.get("Sid")):
                        for resource in resources(statement):
                            self.assertRegex(
                                resource["Fn::Sub"],
                                r"^arn:\$\{AWS::Partition\}:ec2:\*:\$\{AWS::AccountId\}:[a-z-]+/\*$",
                            )

    def test_only_reads_are_granted_on_every_resource(self):
        reads = ("ec2:Describe", "ec2:Get", "ec2:Search")
        for name, role in roles().items():
            for policy in role["Properties"]["Policies"]:
                for statement in statements(policy["PolicyDocument"]):
                    if statement["Resource"] == "*":
                        with self.subTest(role=name, sid=statement.get("Sid")):
                            for action in statement["Action"]:
                                self.assertTrue(action.startswith(reads), action)


def filter_matches(pattern, line):
    """Whether a metric filter pattern of the form used here,
    `{ $.a.b = "value" }` (CloudWatch Logs JSON filter syntax, one equality;
    `*` in the value matches any characters, and only a string field that is
    present), matches the JSON log line `line`."""
    import fnmatch
    import re

    found = re.fullmatch(r'\{ \$\.([a-z_.]+) = "([^"]*)" \}', pattern)
    assert found, f"unexpected filter pattern form: {pattern}"
    path, wanted = found.groups()
    value = json.loads(line)
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return isinstance(value, str) and fnmatch.fnmatchcase(value, wanted)


def audit_line(decision, code=None):
    """An audit line as the functions write it (JSON log format, tracing's
    fields under "fields")."""
    return json.dumps(
        {
            "timestamp": "2025-01-01T00:00:00.000000Z",
            "level": "INFO",
            "fields": {
                "message": "audit",
                "event_id": "11111111-2222-3333-4444-555555555555",
                "decision": decision,
                "kind": "withdraw_routes",
                "region": "us-east-1",
                "subject": "tgw-rtb-0123456789abcdef0",
                "reason": "12 withdrawals planned, budget 5",
                # Present on findings only (None is not written by tracing).
                **({"code": code} if code else {}),
            },
            "target": "tgw_peering_core",
        }
    )


NOTIFY = {"Fn::If": ["Notify", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}
# The namespace of the metrics the reconciler writes (embedded metric
# format); "tgw-peering" is the metric filters'.
OWN_NAMESPACE = "TgwPeering"


class Alarms(unittest.TestCase):
    def metric_filters(self):
        return [plain(r["Properties"]) for r in HUB["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]

    def alarms(self):
        return {n: plain(r["Properties"]) for n, r in HUB["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}

    def test_the_withdrawal_held_alarm_fires_on_the_held_audit_decision(self):
        alarm = self.alarms()["WithdrawalHeldAlarm"]
        self.assertEqual((alarm["Namespace"], alarm["MetricName"]), ("tgw-peering", "WithdrawalHeld"))
        self.assertEqual((alarm["Statistic"], alarm["Threshold"]), ("Sum", 0))
        self.assertEqual(alarm["ComparisonOperator"], "GreaterThanThreshold")
        self.assertEqual(alarm["TreatMissingData"], "notBreaching")
        counting = [
            f
            for f in self.metric_filters()
            if any(t["MetricName"] == "WithdrawalHeld" for t in f["MetricTransformations"])
        ]
        # Only the reconciler reconciles (the watcher, with its bus, publishes).
        self.assertEqual({f["LogGroupName"]["Ref"] for f in counting}, {"ReconcilerLogs"})
        for f in counting:
            with self.subTest(logs=f["LogGroupName"]["Ref"]):
                (t,) = f["MetricTransformations"]
                self.assertEqual((t["MetricNamespace"], t["MetricValue"]), ("tgw-peering", "1"))
                self.assertTrue(filter_matches(f["FilterPattern"], audit_line("held")))
                for other in ("action", "skip", "conflict", "stuck", "error", "dropped"):
                    self.assertFalse(filter_matches(f["FilterPattern"], audit_line(other)), other)

    def test_every_alarm_on_the_tools_metrics_has_a_metric_filter(self):
        produced = {
            (t["MetricNamespace"], t["MetricName"]) for f in self.metric_filters() for t in f["MetricTransformations"]
        }
        for name, alarm in self.alarms().items():
            if alarm["Namespace"] == "tgw-peering":
                with self.subTest(alarm=name):
                    self.assertIn((alarm["Namespace"], alarm["MetricName"]), produced)
        self.assertTrue(
            {("tgw-peering", m) for m in ("PeeringStuck", "AuditErrors", "WithdrawalHeld")} <= produced
        )

    def test_findings_are_counted_by_code_and_decision_and_nothing_else_is(self):
        (counting,) = [
            f
            for f in self.metric_filters()
            if any(t["MetricName"] == "Findings" for t in f["MetricTransformations"])
        ]
        self.assertEqual(counting["LogGroupName"]["Ref"], "ReconcilerLogs")
        (t,) = counting["MetricTransformations"]
        dimensions = {d["Key"]: d["Value"] for d in t["Dimensions"]}
        self.assertEqual(dimensions, {"code": "$.fields.code", "decision": "$.fields.decision"})
        # AWS: a transformation with dimensions takes no default value.
        self.assertNotIn("DefaultValue", t)
        pattern = counting["FilterPattern"]
        self.assertTrue(filter_matches(pattern, audit_line("conflict", "overlap_between_regions")))
        self.assertTrue(filter_matches(pattern, audit_line("waiting", "peering_pending")))
        for decision in ("action", "error", "dropped", "recheck", "stuck"):
            self.assertFalse(filter_matches(pattern, audit_line(decision)), decision)

    def test_the_quota_broken_paths_and_peering_alarms_watch_the_reconciles_aggregates(self):
        alarms = self.alarms()
        expected = {
            "RouteQuotaAlarm": ("MaxQuotaUsedPercent", "Maximum", 80, 300),
            "BrokenPathsAlarm": ("BrokenPathsTotal", "Maximum", 0, 300),
            # The metric leaves out a peering AWS is still making.
            "PeeringUnavailableAlarm": ("PeeringsUnavailable", "Maximum", 0, 300),
        }
        for name, (metric, statistic, threshold, period) in expected.items():
            alarm = alarms[name]
            with self.subTest(alarm=name):
                self.assertEqual((alarm["Namespace"], alarm["MetricName"]), (OWN_NAMESPACE, metric))
                self.assertNotIn("Dimensions", alarm, "the aggregates have no dimension")
                self.assertEqual((alarm["Statistic"], alarm["Threshold"]), (statistic, threshold))
                self.assertEqual(alarm["ComparisonOperator"], "GreaterThanThreshold")
                self.assertEqual((alarm["Period"], alarm["EvaluationPeriods"]), (period, 1))
                # Written only when a reconcile runs: the last state is kept.
                self.assertEqual(alarm["TreatMissingData"], "ignore")
        on_own = {n for n, a in alarms.items() if a["Namespace"] == OWN_NAMESPACE}
        self.assertEqual(on_own, set(expected))

    def test_every_alarm_notifies_the_topic(self):
        for name, alarm in self.alarms().items():
            with self.subTest(alarm=name):
                self.assertEqual(alarm["AlarmActions"], NOTIFY)

    def test_a_saved_query_lists_the_held_withdrawals(self):
        queries = [
            r["Properties"]["QueryString"]
            for r in HUB["Resources"].values()
            if r["Type"] == "AWS::Logs::QueryDefinition"
        ]
        self.assertTrue(any('fields.decision = "held"' in q for q in queries))


class WithdrawalBudget(unittest.TestCase):
    def test_max_withdrawals_reaches_both_functions_as_MAX_WITHDRAWALS(self):
        import re

        parameter = HUB["Parameters"]["MaxWithdrawals"]
        self.assertEqual(parameter["Type"], "String")
        # Empty: the variable is unset for the functions (empty counts as
        # unset), which then use the default budget.
        self.assertEqual(parameter["Default"], "")
        pattern = parameter["AllowedPattern"]
        for good in ("", "0", "5", "250"):
            self.assertTrue(re.fullmatch(pattern, good), good)
        for bad in ("-1", "1.5", "five", " 5", "5,6"):
            self.assertFalse(re.fullmatch(pattern, bad), bad)
        env = plain(HUB["Globals"]["Function"]["Environment"]["Variables"])
        self.assertEqual(env["MAX_WITHDRAWALS"], {"Ref": "MaxWithdrawals"})
        functions = {n: r for n, r in HUB["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
        self.assertEqual(set(functions), {"Reconciler", "AttachmentWatcher"})
        for name, function in functions.items():
            own = function["Properties"].get("Environment", {}).get("Variables", {})
            with self.subTest(function=name):
                self.assertNotIn("MAX_WITHDRAWALS", own, "the Globals value reaches it unchanged")


# The pseudo parameters, as a stack in the hub Region would see them.
HUB_REGION = "us-east-1"
PSEUDO = {
    "AWS::Region": HUB_REGION,
    "AWS::StackName": "tgw-peering",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


class Intrinsics:
    """Evaluates the intrinsic functions of a template's values (those the
    dashboard's body uses: Ref, Fn::Sub with and without a variable map,
    Fn::Join, Fn::If with the template's conditions, Fn::Select, Fn::Split,
    Fn::GetAtt) for the given parameters. A resource's Ref is
    `ref-<name>`, an attribute `arn:aws:test:<name>.<attribute>`."""

    def __init__(self, template, parameters):
        self.template = plain(template)
        self.parameters = {n: p.get("Default") for n, p in self.template["Parameters"].items()}
        self.parameters.update(parameters)

    def ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            value = self.parameters[name]
            if self.template["Parameters"][name]["Type"] == "CommaDelimitedList":
                return value.split(",") if value else []
            return value
        assert name in self.template["Resources"], f"Ref to nothing: {name}"
        return f"ref-{name}"

    def get_att(self, name, attribute):
        assert name in self.template["Resources"], f"GetAtt of nothing: {name}"
        return f"arn:aws:test:{name}.{attribute}"

    def condition(self, name):
        return self.truth(self.template["Conditions"][name])

    def truth(self, node):
        ((function, args),) = node.items()
        if function == "Fn::Not":
            return not self.truth(args[0])
        if function == "Fn::And":
            return all(self.truth(a) for a in args)
        if function == "Fn::Or":
            return any(self.truth(a) for a in args)
        if function == "Fn::Equals":
            return self.value(args[0]) == self.value(args[1])
        if function == "Condition":
            return self.condition(args)
        raise AssertionError(f"not a condition function: {function}")

    def sub(self, text, variables):
        import re

        def one(found):
            name = found.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.value(variables[name])
            if "." in name and name not in PSEUDO:
                return self.get_att(*name.split(".", 1))
            value = self.ref(name)
            assert isinstance(value, str), f"${{{name}}} is not a string"
            return value

        return re.sub(r"\$\{([^}]*)\}", one, text)

    def value(self, node):
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {k: self.value(v) for k, v in node.items()}
        ((function, args),) = node.items()
        if function == "Ref":
            return self.ref(args)
        if function == "Fn::GetAtt":
            return self.get_att(*(args.split(".", 1) if isinstance(args, str) else args))
        if function == "Fn::Sub":
            text, variables = (args, {}) if isinstance(args, str) else args
            return self.sub(text, variables)
        if function == "Fn::Join":
            separator, items = args
            return separator.join(self.value(items))
        if function == "Fn::Select":
            index, items = args
            return self.value(items)[int(self.value(index))]
        if function == "Fn::Split":
            separator, text = args
            return self.value(text).split(separator)
        if function == "Fn::If":
            name, when, otherwise = args
            return self.value(when if self.condition(name) else otherwise)
        if function.startswith("Fn::") or function == "Condition":
            raise AssertionError(f"not evaluated here: {function}")
        return {function: self.value(args)}


TEN_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-1",
]
ELEVEN_REGIONS = TEN_REGIONS + ["ap-northeast-1"]
DROPS = {"PacketDropCountBlackhole", "PacketDropCountNoRoute"}


def dashboard(regions):
    """The hub dashboard's body, parsed, for PeeringRegions = `regions`."""
    import re

    value = ",".join(regions)
    assert re.fullmatch(HUB["Parameters"]["PeeringRegions"]["AllowedPattern"], value), value
    body = Intrinsics(HUB, {"PeeringRegions": value}).value(
        plain(HUB["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    )
    return body, json.loads(body)


def searches(widget):
    """The SEARCH expressions of a metric widget: (namespace, dimension
    names, metric name, statistic, period) each."""
    import re

    found = []
    for metric in widget["properties"].get("metrics", []):
        for item in metric:
            if isinstance(item, dict) and "expression" in item:
                parsed = re.fullmatch(
                    r"SEARCH\('\{([^}]*)\} MetricName=\"([A-Za-z]+)\"', '([A-Za-z]+)', ([0-9]+)\)",
                    item["expression"],
                )
                assert parsed, item["expression"]
                schema, name, statistic, period = parsed.groups()
                namespace, *dimensions = schema.split(",")
                found.append((namespace, frozenset(dimensions), name, statistic, int(period)))
    return found


def metric_arrays(widget):
    """The metrics of a widget given as arrays: (namespace, dimension names,
    metric name) each."""
    found = []
    for metric in widget["properties"].get("metrics", []):
        items = [i for i in metric if not isinstance(i, dict)]
        if items:
            namespace, name, *dimensions = items
            found.append((namespace, frozenset(dimensions[0::2]), name))
    return found


def shown(widgets, namespace):
    """Every (metric name, dimension names) of `namespace` on the widgets."""
    metrics = set()
    for widget in widgets:
        metrics |= {(n, d) for ns, d, n, _, _ in searches(widget) if ns == namespace}
        metrics |= {(n, d) for ns, d, n in metric_arrays(widget) if ns == namespace}
    return metrics


def drops_widgets(widgets):
    return [w for w in widgets if any(s[0] == "AWS/TransitGateway" for s in searches(w))]


def log_query(widget):
    """A log widget's query: its log groups (SOURCE) and the rest."""
    import re

    parts = [p.strip() for p in widget["properties"]["query"].split(" | ")]
    sources = [re.fullmatch(r"SOURCE '([^']+)'", p) for p in parts]
    groups = [s.group(1) for s in sources if s]
    return groups, " | ".join(p for p, s in zip(parts, sources) if not s)


def saved_query(name):
    """A saved query of the hub as a log widget holds it: its log groups
    (their Refs evaluated) and its commands on one line."""
    query = plain(HUB["Resources"][name]["Properties"])
    commands = [line.strip().removeprefix("| ") for line in query["QueryString"].strip().splitlines()]
    return Intrinsics(HUB, {}).value(query["LogGroupNames"]), " | ".join(commands)


class Dashboard(unittest.TestCase):
    """The hub's dashboard, its body evaluated as CloudFormation would."""

    def test_the_body_is_valid_json_for_two_ten_and_eleven_regions(self):
        import re

        for regions in (["us-east-1", "eu-west-1"], TEN_REGIONS, ELEVEN_REGIONS):
            with self.subTest(regions=len(regions)):
                body, parsed = dashboard(regions)
                self.assertEqual(set(parsed), {"start", "widgets"})
                # Every ${…} of the template was substituted; what is left
                # are CloudWatch's dynamic labels, ${PROP('Dim.…')}.
                for left in re.findall(r"\$\{[^}]*\}", body):
                    self.assertRegex(left, r"^\$\{PROP\('Dim\.[A-Za-z]+'\)\}$")
                for widget in parsed["widgets"]:
                    self.assertIn(widget["type"], {"metric", "log", "text", "alarm"})

    def test_each_managed_region_has_one_drops_widget_searched_in_that_region(self):
        # Reversed too: each slot once holds another Region than the hub's.
        for regions in (["us-east-1", "eu-west-1"], TEN_REGIONS, TEN_REGIONS[::-1]):
            with self.subTest(regions=regions):
                widgets = drops_widgets(dashboard(regions)[1]["widgets"])
                self.assertEqual(sorted(w["properties"]["region"] for w in widgets), sorted(regions))
                for widget in widgets:
                    region = widget["properties"]["region"]
                    with self.subTest(region=region):
                        self.assertIn(region, widget["properties"]["title"])
                        found = searches(widget)
                        self.assertEqual(
                            {(ns, d, n) for ns, d, n, _, _ in found},
                            {
                                ("AWS/TransitGateway", frozenset({"TransitGateway", "TransitGatewayAttachment"}), m)
                                for m in DROPS
                            },
                        )
                        self.assertEqual({s for _, _, _, s, _ in found}, {"Sum"})

    def test_regions_past_the_tenth_get_no_drops_widget(self):
        widgets = drops_widgets(dashboard(ELEVEN_REGIONS)[1]["widgets"])
        self.assertEqual(sorted(w["properties"]["region"] for w in widgets), sorted(TEN_REGIONS))
        # Ten slots, one condition each, for the Nth Region of the list.
        slots = [c for c in HUB["Conditions"] if c.startswith("DashboardRegion")]
        self.assertEqual(slots, [f"DashboardRegion{n}" for n in range(10)])

    def test_the_tools_widgets_read_the_namespace_tgw_peering_in_the_hubs_region(self):
        widgets = [w for w in dashboard(TEN_REGIONS)[1]["widgets"] if w["type"] == "metric"]
        own = [w for w in widgets if shown([w], OWN_NAMESPACE)]
        self.assertTrue(own)
        for widget in own:
            with self.subTest(widget=widget["properties"]["title"]):
                self.assertEqual(widget["properties"]["region"], HUB_REGION)
                namespaces = {s[0] for s in searches(widget)} | {m[0] for m in metric_arrays(widget)}
                self.assertEqual(namespaces, {OWN_NAMESPACE})
        # Every metric widget is either the tool's or a Region's drops.
        self.assertEqual(len(own) + len(drops_widgets(widgets)), len(widgets))

    def test_the_log_widgets_are_the_saved_queries_and_the_path_lines_over_the_reconcilers_logs(self):
        import re

        widgets = [w for w in dashboard(TEN_REGIONS)[1]["widgets"] if w["type"] == "log"]
        reconciler = Intrinsics(HUB, {}).ref("ReconcilerLogs")
        by_decision = {}
        for widget in widgets:
            groups, query = log_query(widget)
            with self.subTest(widget=widget["properties"]["title"]):
                self.assertEqual(widget["properties"]["region"], HUB_REGION)
                self.assertIn(reconciler, groups)
                self.assertIn('fields.message = "audit"', query)
                used = set(re.findall(r"fields\.([a-z_]+)", query))
                self.assertLessEqual(used, AUDIT_FIELDS, query)
                (decision,) = re.findall(r'fields\.decision = "([a-z_]+)"', query)
                by_decision[decision] = (groups, query)
        self.assertEqual(set(by_decision), {"action", "conflict", "held", "path"})
        # The same queries as the saved ones, over the same log groups.
        for decision, name in (
            ("action", "QueryRouteChanges"),
            ("conflict", "QueryConflicts"),
            ("held", "QueryWithdrawalsHeld"),
        ):
            with self.subTest(query=name):
                self.assertEqual(by_decision[decision], saved_query(name))
        groups, query = by_decision["path"]
        self.assertEqual(groups, [reconciler], "only the reconciler verifies paths")
        self.assertIn("fields.kind", query, "path_broken, path_restored and not_verified told apart")

    def test_the_alarm_widget_shows_every_alarm_of_the_stack(self):
        widgets = [w for w in dashboard(TEN_REGIONS)[1]["widgets"] if w["type"] == "alarm"]
        (widget,) = widgets
        alarms = [n for n, r in HUB["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"]
        evaluate = Intrinsics(HUB, {})
        self.assertEqual(
            sorted(widget["properties"]["alarms"]), sorted(evaluate.get_att(a, "Arn") for a in alarms)
        )

    def test_a_text_widget_names_what_is_not_on_the_dashboard(self):
        texts = [w["properties"]["markdown"] for w in dashboard(TEN_REGIONS)[1]["widgets"] if w["type"] == "text"]
        cross_account = [t for t in texts if "CloudWatch-Unified-Cross-Account" in t]
        self.assertEqual(len(cross_account), 1)
        self.assertIn("AccountRoleArns", cross_account[0])
        self.assertIn("ten", cross_account[0])

    def test_the_widgets_fit_the_grid_and_do_not_overlap(self):
        for regions in (["us-east-1", "eu-west-1"], ELEVEN_REGIONS):
            widgets = dashboard(regions)[1]["widgets"]
            cells = {}
            for i, widget in enumerate(widgets):
                x, y, width, height = (widget[k] for k in ("x", "y", "width", "height"))
                with self.subTest(regions=len(regions), widget=i):
                    self.assertLessEqual(x + width, 24)
                    for cell in ((cx, cy) for cx in range(x, x + width) for cy in range(y, y + height)):
                        self.assertNotIn(cell, cells, f"overlaps widget {cells.get(cell)}")
                        cells[cell] = i

    def test_the_dashboard_is_named_after_the_stack_and_its_name_is_an_output(self):
        resource = plain(HUB["Resources"]["Dashboard"])
        self.assertEqual(resource["Properties"]["DashboardName"], {"Fn::Sub": "tgw-peering-${AWS::StackName}"})
        self.assertEqual(plain(HUB["Outputs"]["DashboardName"]["Value"]), {"Ref": "Dashboard"})


class OwnMetrics(unittest.TestCase):
    """The metrics the functions write (`tgw-peering manifest`, "metrics"),
    against the dashboard and the alarms."""

    @classmethod
    def setUpClass(cls):
        cls.metrics = manifest()["metrics"]
        cls.written = {(m["name"], frozenset(m["dimensions"])) for m in cls.metrics["metrics"]}

    def test_the_functions_write_in_the_namespace_tgw_peering(self):
        self.assertEqual(self.metrics["namespace"], OWN_NAMESPACE)
        names = [m["name"] for m in self.metrics["metrics"]]
        self.assertEqual(len(names), len(set(names)), "one entry per metric")

    def test_the_dashboard_shows_exactly_the_metrics_the_functions_write_with_their_dimensions(self):
        widgets = dashboard(TEN_REGIONS)[1]["widgets"]
        self.assertEqual(shown(widgets, OWN_NAMESPACE), self.written)

    def test_each_alarm_on_the_functions_metrics_names_a_metric_they_write_with_exactly_its_dimensions(self):
        watched = {
            n: plain(r["Properties"])
            for n, r in HUB["Resources"].items()
            if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == OWN_NAMESPACE
        }
        self.assertEqual(set(watched), {"RouteQuotaAlarm", "BrokenPathsAlarm", "PeeringUnavailableAlarm"})
        for name, alarm in watched.items():
            with self.subTest(alarm=name):
                dimensions = frozenset(d["Name"] for d in alarm.get("Dimensions", []))
                self.assertIn((alarm["MetricName"], dimensions), self.written)


if __name__ == "__main__":
    unittest.main(verbosity=2)
