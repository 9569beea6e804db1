#!/usr/bin/env bash
# Deploys tgw-peering: the hub stack (both functions, built by sam with
# cargo-lambda) in HUB_REGION, then a forwarder stack in every other Region of
# PEERING_REGIONS. Needs AWS credentials. Called by `make deploy`.
#
#   PEERING_REGIONS=us-east-1,eu-west-1 make deploy
#
# Optional: HUB_REGION (default: the first of PEERING_REGIONS), STACK_NAME
# (default tgw-peering), TAG_KEY and ENABLE_CLOUDTRAIL_RULES (the hub's TagKey
# and EnableCloudTrailRules), HUB_PARAMETERS (more hub parameter overrides,
# e.g. "PruneRoutes=true NotificationEmail=ops@example.com MaxWithdrawals=10").
#
# Parameters keep their deployed values unless given again. Only PeeringRegions
# is always passed; TagKey and EnableCloudTrailRules only when TAG_KEY or
# ENABLE_CLOUDTRAIL_RULES is set (and not empty), the others only through
# HUB_PARAMETERS. For a stack that exists, `sam deploy` asks CloudFormation to
# keep every parameter not given (UsePreviousValue, see SAM CLI's
# DeployContext.merge_parameters); a parameter the deployed stack does not have
# yet, and every parameter of a first deploy, takes the template's default. So
# running `make deploy` again without TAG_KEY keeps a custom tag key.
#
# The forwarders always get the hub's TagKey and EnableCloudTrailRules as
# deployed (read back with DescribeStacks after the hub's deploy), so a
# forwarder, a new one included, matches the hub; their other parameters
# (NotificationTopicArn, HubAccountId) keep their deployed values.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PEERING_REGIONS:?set PEERING_REGIONS, e.g. us-east-1,eu-west-1}"
HUB_REGION=${HUB_REGION:-${PEERING_REGIONS%%,*}}
STACK_NAME=${STACK_NAME:-tgw-peering}
SAM=${SAM:-.venv-infra/bin/sam}
# A Python with boto3 (the SAM CLI's own environment has it).
INFRA_PYTHON=${INFRA_PYTHON:-.venv-infra/bin/python}
export SAM_CLI_TELEMETRY=0
case ",$PEERING_REGIONS," in
  *",$HUB_REGION,"*) ;;
  *) echo "HUB_REGION $HUB_REGION is not one of PEERING_REGIONS" >&2; exit 2 ;;
esac

# The hub's overrides: what was given, nothing else.
hub_overrides=("PeeringRegions=$PEERING_REGIONS")
if [ -n "${TAG_KEY:-}" ]; then hub_overrides+=("TagKey=$TAG_KEY"); fi
if [ -n "${ENABLE_CLOUDTRAIL_RULES:-}" ]; then
  hub_overrides+=("EnableCloudTrailRules=$ENABLE_CLOUDTRAIL_RULES")
fi

# hub_parameter KEY: the value of the hub stack's parameter KEY, as deployed.
hub_parameter() {
  "$INFRA_PYTHON" - "$STACK_NAME" "$HUB_REGION" "$1" <<'PY'
import sys

import boto3

stack, region, key = sys.argv[1:]
(described,) = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)["Stacks"]
values = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
if key not in values:
    sys.exit(f"stack {stack} in {region} has no parameter {key}")
print(values[key])
PY
}

echo "== hub stack $STACK_NAME in $HUB_REGION"
"$SAM" build --beta-features --template-file infra/hub.yaml --build-dir .aws-sam/build
# shellcheck disable=SC2086
"$SAM" deploy --template-file .aws-sam/build/template.yaml --stack-name "$STACK_NAME" \
  --region "$HUB_REGION" --resolve-s3 --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
  --parameter-overrides "${hub_overrides[@]}" ${HUB_PARAMETERS:-}

tag_key=$(hub_parameter TagKey)
cloudtrail_rules=$(hub_parameter EnableCloudTrailRules)
echo "== the hub's TagKey=$tag_key EnableCloudTrailRules=$cloudtrail_rules, for the forwarders"

IFS=, read -r -a regions <<<"$PEERING_REGIONS"
for region in "${regions[@]}"; do
  [ "$region" = "$HUB_REGION" ] && continue
  echo "== forwarder stack $STACK_NAME-forwarder in $region"
  "$SAM" deploy --template-file infra/forwarder.yaml --stack-name "$STACK_NAME-forwarder" \
    --region "$region" --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "HubRegion=$HUB_REGION" "TagKey=$tag_key" \
    "EnableCloudTrailRules=$cloudtrail_rules"
done
echo "Deployed. Check with: PEERING_REGIONS=$PEERING_REGIONS tgw-peering status"
