#!/usr/bin/env bash
# Deploys tgw-peering: the hub stack (both functions, built by sam with
# cargo-lambda) in HUB_REGION, then a forwarder stack in every other Region of
# PEERING_REGIONS. Needs AWS credentials. Called by `make deploy`.
#
#   PEERING_REGIONS=us-east-1,eu-west-1 make deploy
#
# Optional: HUB_REGION (default: the first of PEERING_REGIONS), STACK_NAME
# (default tgw-peering), TAG_KEY and ENABLE_CLOUDTRAIL_RULES (passed to the hub
# and every forwarder alike), HUB_PARAMETERS (more hub parameter overrides,
# e.g. "PruneRoutes=true NotificationEmail=ops@example.com").
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PEERING_REGIONS:?set PEERING_REGIONS, e.g. us-east-1,eu-west-1}"
HUB_REGION=${HUB_REGION:-${PEERING_REGIONS%%,*}}
STACK_NAME=${STACK_NAME:-tgw-peering}
TAG_KEY=${TAG_KEY:-addToTransitGateway}
ENABLE_CLOUDTRAIL_RULES=${ENABLE_CLOUDTRAIL_RULES:-false}
SAM=${SAM:-.venv-infra/bin/sam}
export SAM_CLI_TELEMETRY=0
case ",$PEERING_REGIONS," in
  *",$HUB_REGION,"*) ;;
  *) echo "HUB_REGION $HUB_REGION is not one of PEERING_REGIONS" >&2; exit 2 ;;
esac

echo "== hub stack $STACK_NAME in $HUB_REGION"
"$SAM" build --beta-features --template-file infra/hub.yaml --build-dir .aws-sam/build
# shellcheck disable=SC2086
"$SAM" deploy --template-file .aws-sam/build/template.yaml --stack-name "$STACK_NAME" \
  --region "$HUB_REGION" --resolve-s3 --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
  --parameter-overrides "PeeringRegions=$PEERING_REGIONS" "TagKey=$TAG_KEY" \
  "EnableCloudTrailRules=$ENABLE_CLOUDTRAIL_RULES" ${HUB_PARAMETERS:-}

IFS=, read -r -a regions <<<"$PEERING_REGIONS"
for region in "${regions[@]}"; do
  [ "$region" = "$HUB_REGION" ] && continue
  echo "== forwarder stack $STACK_NAME-forwarder in $region"
  "$SAM" deploy --template-file infra/forwarder.yaml --stack-name "$STACK_NAME-forwarder" \
    --region "$region" --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "HubRegion=$HUB_REGION" "TagKey=$TAG_KEY" \
    "EnableCloudTrailRules=$ENABLE_CLOUDTRAIL_RULES"
done
echo "Deployed. Check with: PEERING_REGIONS=$PEERING_REGIONS tgw-peering status"
