"""The EC2 emulator of tgw-peering's tests: moto_server (moto 5.2.5) with the
patches of the `patches` package, which make the transit gateway, VPC and
prefix-list calls that tgw-peering uses behave as AWS documents them. Each
patch module cites the AWS page it follows.

Run as `python server.py -H 127.0.0.1 -p PORT` (moto_server's arguments).

Environment (all optional):

    TGW_EMULATOR_PLAIN=1                    plain moto, no patch
    TGW_EMULATOR_PHASE_SECONDS=N            each timed peering phase (initiatingRequest,
                                            pending) lasts N seconds; default 0, at once
    TGW_EMULATOR_ATTACHMENT_SECONDS=N       a new VPC attachment is `pending` N seconds
    TGW_EMULATOR_CIDR_SECONDS=N             a CIDR block added to a VPC is `associating`
                                            N seconds
    TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1   an accepted peering is associated with each
                                            side's default association route table
    TGW_EMULATOR_DUPLICATE_PEERING_CODE=C   error code of a second live peering between
                                            two gateways (DuplicateTransitGatewayAttachment);
                                            `none` allows it, as plain moto does
    TGW_EMULATOR_PREFIX_LIST_FULL_CODE=C    error code of a prefix list over MaxEntries
                                            (PrefixListMaxEntriesExceeded)

Timed states advance lazily, when a call reads them. Accounts are moto's: the
access key picks the account (a plain key is 123456789012; STS AssumeRole keys
map to the role's account), and everything is kept per account and Region.
"""

import os
import sys

from moto.server import main

if __name__ == "__main__":
    if os.environ.get("TGW_EMULATOR_PLAIN") != "1":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import patches

        patches.apply()
    main(sys.argv[1:])
