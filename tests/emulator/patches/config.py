"""The emulator's settings, read once from the environment at start-up.

TGW_EMULATOR_PHASE_SECONDS        seconds of each timed peering phase
                                  (initiatingRequest, then pending); 0 = at once
TGW_EMULATOR_ATTACHMENT_SECONDS   seconds a new VPC attachment stays `pending`; 0 = at once
TGW_EMULATOR_CIDR_SECONDS         seconds a CIDR block added by AssociateVpcCidrBlock
                                  stays `associating`; 0 = at once
TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1
                                  an accepted peering is associated, on each side, with
                                  that gateway's default association route table when the
                                  gateway enables DefaultRouteTableAssociation (off by default)
TGW_EMULATOR_DUPLICATE_PEERING_CODE
                                  error code of a second live peering between the same two
                                  gateways (default DuplicateTransitGatewayAttachment; AWS
                                  documents the quota, not the code); `none` lifts the
                                  one-peering rule (moto's behaviour)
TGW_EMULATOR_PREFIX_LIST_FULL_CODE
                                  error code of a prefix list modification that would exceed
                                  MaxEntries (default PrefixListMaxEntriesExceeded; the API
                                  reference documents no code)
"""

import os


def _seconds(name):
    return float(os.environ.get(name) or "0")


PHASE_SECONDS = _seconds("TGW_EMULATOR_PHASE_SECONDS")
ATTACHMENT_SECONDS = _seconds("TGW_EMULATOR_ATTACHMENT_SECONDS")
CIDR_SECONDS = _seconds("TGW_EMULATOR_CIDR_SECONDS")
PEERING_AUTO_ASSOCIATE = os.environ.get("TGW_EMULATOR_PEERING_AUTO_ASSOCIATE") == "1"
DUPLICATE_PEERING_CODE = (
    os.environ.get("TGW_EMULATOR_DUPLICATE_PEERING_CODE") or "DuplicateTransitGatewayAttachment"
)
PREFIX_LIST_FULL_CODE = (
    os.environ.get("TGW_EMULATOR_PREFIX_LIST_FULL_CODE") or "PrefixListMaxEntriesExceeded"
)
