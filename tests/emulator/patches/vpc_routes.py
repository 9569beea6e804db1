"""VPC route tables: the routes-per-route-table quota of CreateRoute, with
prefix lists counted at their maximum size.

moto 5.2.5 adds any number of routes to a VPC route table, accepts a
`DestinationPrefixListId` that does not exist (the route then has no
destination), and silently overwrites a second route to the same prefix list
or the same IPv6 CIDR (only IPv4 duplicates fail with `RouteAlreadyExists`).
Here, after:

* Amazon VPC quotas, Route tables
  (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html):
  "Routes per route table (non-propagated routes)", adjustable; "This quota
  is enforced separately for IPv4 routes and IPv6 routes". The default was 50
  for years and is still 50 in the guide's page on AWS-managed prefix list
  weights ("Route tables – The default quota is 50 routes", AWS-managed
  prefix lists,
  https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html);
  the quota page now lists 500 (up to 1,000). TGW_EMULATOR_VPC_ROUTE_QUOTA
  sets it: default 50, the stricter value (500 reproduces the quota page;
  0 lifts the quota).
* "When you reference a prefix list in a resource, the maximum number of
  entries for the prefix lists counts against the quota for the number of
  entries for the resource. For example, if you create a prefix list with 20
  maximum entries and you reference that prefix list in a security group
  rule, this counts as 20 security group rules" (same quota page, Customer-
  managed prefix lists, "Maximum number of entries per prefix list"). An
  AWS-managed list counts its weight ("The weight of an AWS-managed prefix
  list refers to the number of entries that it takes up in a resource", same
  AWS-managed page); moto gives those lists no MaxEntries, so they count 1.
* EC2 error codes
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):
  `RouteLimitExceeded` "You've reached the limit on the number of routes that
  you can add to a route table."; `RouteAlreadyExists` "A route for the
  specified CIDR block already exists in this route table."

So CreateRoute (API reference,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html)
counts, in the route's address family (a prefix list's is its
AddressFamily), the table's routes made by CreateRoute (`Origin:
CreateRoute`; not the `local` routes, and moto propagates none) with each
prefix-list route counting the list's MaxEntries, adds the new route's count,
and fails with `RouteLimitExceeded` (HTTP 400) past the quota. AWS does not
say whether the local route counts; it does not here. Before that, a prefix
list that does not exist fails with `InvalidPrefixListID.NotFound`, and a
second route to the same prefix list or IPv6 CIDR with `RouteAlreadyExists`
(so a retried CreateRoute is a duplicate, never a quota error).

The same count decides a resize of a referenced customer-managed list (see
prefix_lists): "If any of the resources that reference the prefix list cannot
support the new maximum size, the modify operation fails"
(`tables_refusing`).
"""

import ipaddress

from moto.ec2.models.route_tables import RouteBackend

from . import common, config
from .common import error


def list_weight(prefix_list, max_entries=None):
    """What a route to `prefix_list` counts: its MaxEntries (or `max_entries`,
    a size it is being resized to); 1 for a list without one."""
    size = max_entries if max_entries is not None else prefix_list.max_entries
    return int(size) if size else 1


def list_family(prefix_list):
    return 6 if prefix_list.address_family == "IPv6" else 4


def _family(cidr):
    return ipaddress.ip_network(cidr, strict=False).version


def route_counts(table, sizes=None):
    """The table's count per address family {4: n, 6: n}: routes made by
    CreateRoute, each prefix-list route at its list's MaxEntries (or at
    `sizes[list id]`, a size being tried)."""
    counts = {4: 0, 6: 0}
    for route in table._routes.values():
        if route.local:
            continue
        prefix_list = route.destination_prefix_list
        if prefix_list is not None:
            size = (sizes or {}).get(prefix_list.id)
            counts[list_family(prefix_list)] += list_weight(prefix_list, size)
        elif route.destination_ipv6_cidr_block:
            counts[6] += 1
        elif route.destination_cidr_block:
            counts[_family(route.destination_cidr_block)] += 1
    return counts


def route_limit_exceeded():
    return error("RouteLimitExceeded",
                 "You've reached the limit on the number of routes that you can add to a "
                 "route table.")


def tables_refusing(backend, prefix_list, max_entries):
    """The IDs of the route tables of `backend` that reference `prefix_list`
    and could not take it at `max_entries`: their count would pass the quota."""
    if not config.VPC_ROUTE_QUOTA:
        return []
    refusing = []
    for table in backend.route_tables.values():
        if not any(r.destination_prefix_list is prefix_list for r in table._routes.values()):
            continue
        counts = route_counts(table, {prefix_list.id: max_entries})
        if counts[list_family(prefix_list)] > config.VPC_ROUTE_QUOTA:
            refusing.append(table.id)
    return refusing


def apply():
    orig_create = RouteBackend.create_route

    @common.locked
    def create_route(self, route_table_id, destination_cidr_block,
                     destination_ipv6_cidr_block=None, destination_prefix_list_id=None,
                     local=False, **kwargs):
        call = lambda: orig_create(
            self, route_table_id, destination_cidr_block, destination_ipv6_cidr_block,
            destination_prefix_list_id, local=local, **kwargs)
        if local:
            return call()
        table = self.get_route_table(route_table_id)
        cidr = destination_cidr_block or destination_ipv6_cidr_block
        if cidr:
            try:
                new = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                return call()  # moto's own validation error
            attr = "destination_cidr_block" if destination_cidr_block else \
                "destination_ipv6_cidr_block"
            if any(getattr(r, attr) and not r.local
                   and ipaddress.ip_network(getattr(r, attr), strict=False) == new
                   for r in table._routes.values()):
                raise error("RouteAlreadyExists",
                            f"The route identified by {cidr} already exists.")
            family, weight = new.version, 1
        elif destination_prefix_list_id:
            prefix_list = self.managed_prefix_lists.get(destination_prefix_list_id)
            if prefix_list is None or prefix_list.state.startswith("delete"):
                raise error("InvalidPrefixListID.NotFound",
                            f"The prefix list ({destination_prefix_list_id}) does not exist.")
            if any(r.destination_prefix_list is prefix_list for r in table._routes.values()):
                raise error("RouteAlreadyExists",
                            f"The route identified by {destination_prefix_list_id} "
                            "already exists.")
            family, weight = list_family(prefix_list), list_weight(prefix_list)
        else:
            return call()  # moto's own validation
        quota = config.VPC_ROUTE_QUOTA
        if quota and route_counts(table)[family] + weight > quota:
            raise route_limit_exceeded()
        return call()

    RouteBackend.create_route = create_route
