"""The EC2 emulator of tgw-peering's tests: moto_server (moto 5.2.5) with the
patches of the `patches` package, which make the transit gateway, VPC and
prefix-list calls that tgw-peering uses (and STS AssumeRole's trust check)
behave as AWS documents them. Each patch module cites the AWS page it follows.

Run as `python server.py -H 127.0.0.1 -p PORT` (moto_server's arguments).

Environment (all optional):

    TGW_EMULATOR_PLAIN=1                    plain moto, no patch
    TGW_EMULATOR_PHASE_SECONDS=N            each timed peering phase (initiatingRequest,
                                            pending) lasts N seconds; default 0, at once
    TGW_EMULATOR_ATTACHMENT_SECONDS=N       a new VPC attachment is `pending` N seconds
    TGW_EMULATOR_CIDR_SECONDS=N             a CIDR block added to a VPC is `associating`
                                            N seconds
    TGW_EMULATOR_MODIFY_SECONDS=N           a transit gateway is `modifying` N seconds after
                                            ModifyTransitGateway (patches/gateways.py)
    TGW_EMULATOR_TABLE_SECONDS=N            a route table made by CreateTransitGatewayRouteTable
                                            is `pending` N seconds
    TGW_EMULATOR_BLACKHOLE_ATTACHMENT=drop|keep
                                            a static route (or prefix-list reference) toward a
                                            deleted attachment becomes a blackhole without its
                                            attachment (drop, the default) or still naming it
                                            (keep) (patches/routes.py)
    TGW_EMULATOR_PEERING_AUTO_ASSOCIATE=1   an accepted peering is associated with each
                                            side's default association route table
    TGW_EMULATOR_DUPLICATE_PEERING_CODE=C   error code of a second live peering between
                                            two gateways (DuplicateTransitGatewayAttachment);
                                            `none` allows it, as plain moto does
    TGW_EMULATOR_PREFIX_LIST_FULL_CODE=C    error code of a prefix list over MaxEntries
                                            (PrefixListMaxEntriesExceeded)
    TGW_EMULATOR_SEARCH_PARTIAL=N           SearchTransitGatewayRoutes returns at most N routes
                                            and, when more match, AdditionalRoutesAvailable
                                            true without a NextToken (patches/routes.py);
                                            default 0, off: pages with NextToken
    TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE=N   a ModifyManagedPrefixList growing MaxEntries past
                                            N ends `modify-failed` (MaxEntries unchanged,
                                            StateMessage naming a made-up referencing
                                            resource) (patches/prefix_lists.py); default 0,
                                            no such limit
    TGW_EMULATOR_VPC_ROUTE_QUOTA=N          routes per VPC route table and address family,
                                            a prefix-list route counting its MaxEntries;
                                            CreateRoute past it fails RouteLimitExceeded, a
                                            resize of a referenced list ends `modify-failed`
                                            (patches/vpc_routes.py); default 50, 0 = none
    TGW_EMULATOR_RAM_SHARED_WITH=ACCT,..    every transit gateway is shared through AWS RAM
                                            with these 12-digit accounts (`*`: with every
                                            account), as a resource share with the
                                            organization would: their VPCs can attach to
                                            it (patches/shared_gateways.py); default
                                            empty, nothing shared
    TGW_EMULATOR_ROLES=ARN=ID[|ID..][;..]   each ROLE_ARN is created in its account's IAM
                                            with a trust policy allowing sts:AssumeRole
                                            only with one of the EXTERNAL_IDs; AssumeRole
                                            of a role that exists is refused (403
                                            AccessDenied) unless its trust policy allows
                                            the request's ExternalId (patches/sts_trust.py)

Timed states advance lazily, when a call reads them. Accounts are moto's: the
access key picks the account (a plain key is 123456789012; STS AssumeRole keys
map to the role's account), and everything is kept per account and Region.
A role absent from IAM is still assumed with any external ID, as moto does.
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
