"""STS AssumeRole and the role's trust policy.

moto's AssumeRole never refuses: it answers credentials of the role's account
whatever the role and the external ID. AWS checks the role's trust policy
(`AssumeRolePolicyDocument`) and refuses with `AccessDenied`, HTTP 403,
"User: ... is not authorized to perform: sts:AssumeRole on resource: ..."
(the code, status and message STS answers, as SDKs report them; the AssumeRole
reference lists only its modelled errors, not this one).
A role that requires an external ID names it in a `Condition` of its trust
policy, `StringEquals` on `sts:ExternalId`, and "The third party must provide
this ID when they assume the role" (IAM User Guide, Access to AWS accounts
owned by third parties,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html;
the `ExternalId` parameter of AssumeRole, STS API reference,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).

* AssumeRole of a role that exists in its account's IAM (moto's
  `iam_backends[account][partition]`) succeeds only if a statement of its
  trust policy has `Effect: Allow`, an `Action` matching `sts:AssumeRole`
  (wildcards allowed), and either no condition on `sts:ExternalId` or a
  `StringEquals` one (a string or a list of strings) that the request's
  `ExternalId` equals. Otherwise: `AccessDenied`, HTTP 403, in STS's query
  protocol error form (`<ErrorResponse><Error><Type>Sender</Type><Code>...`),
  serialized by moto.
* Leniencies: the `Principal` is not checked, nor any other condition key or
  operator, nor `Deny` statements; a role absent from IAM is still assumed,
  as plain moto does (so existing tests that assume made-up roles keep
  working).
* TGW_EMULATOR_ROLES (`ROLE_ARN=EXTERNAL_ID[|EXTERNAL_ID...]`, `;`-separated)
  creates each role in its account's IAM, with a trust policy that allows
  sts:AssumeRole only with one of those external IDs: a workload account
  where a StackSet deployed the role. The roles are created at start and
  again, when missing, on each AssumeRole (so `/moto-api/reset` keeps them).
"""

import fnmatch
import json
import re
import urllib.parse

from moto.core.responses import ActionResult
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from . import common, config

ROLE_ARN = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role(/(?:[^/]+/)*)?([^/]+)$")


def trust_policy(external_ids):
    """A trust policy allowing sts:AssumeRole only with one of `external_ids`."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_ids}},
        }],
    })


def find_role(role_arn):
    """The IAM role of `role_arn` in its account, or None."""
    match = ROLE_ARN.match(role_arn or "")
    if match is None:
        return None
    partition, account = match.group(1), match.group(2)
    if account not in iam_backends or partition not in iam_backends[account]:
        return None
    return next((r for r in iam_backends[account][partition].get_roles() if r.arn == role_arn), None)


@common.locked
def seed_roles():
    """Creates the roles of TGW_EMULATOR_ROLES that do not exist yet."""
    for role_arn, external_ids in config.ROLES.items():
        if find_role(role_arn) is not None:
            continue
        partition, account, path, name = ROLE_ARN.match(role_arn).groups()
        iam_backends[account][partition].create_role(
            role_name=name, assume_role_policy_document=trust_policy(external_ids),
            path=path or "/", permissions_boundary=None, description="TGW_EMULATOR_ROLES",
            tags=[], max_session_duration=None,
        )


def _listed(value):
    """A policy element that is one value or a list of them, as a list."""
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def _required_external_ids(condition):
    """The external IDs a statement's StringEquals condition requires, or
    None when it has no condition on sts:ExternalId (keys are case-insensitive)."""
    for operator, keys in (condition or {}).items():
        if operator.lower() != "stringequals":
            continue
        for key, values in keys.items():
            if key.lower() == "sts:externalid":
                return _listed(values)
    return None


def _allows(statement, external_id):
    if statement.get("Effect") != "Allow":
        return False
    actions = [a.lower() for a in _listed(statement.get("Action"))]
    if not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in actions):
        return False
    required = _required_external_ids(statement.get("Condition"))
    return required is None or external_id in required


def _document(text):
    for candidate in (text, urllib.parse.unquote(text or "")):
        try:
            return json.loads(candidate)
        except (TypeError, ValueError):
            continue
    return {}


def trusts(role, external_id):
    """Whether the role's trust policy lets AssumeRole with `external_id` through."""
    statements = _listed(_document(role.assume_role_policy_document).get("Statement"))
    return any(_allows(s, external_id) for s in statements if isinstance(s, dict))


def access_denied(response, role_arn):
    """STS's AccessDenied, HTTP 403, serialized as moto serializes STS errors."""
    _, caller, _ = response.backend.get_caller_identity(response.get_access_key(), response.region)
    refusal = STSClientError(
        "AccessDenied",
        f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
    )
    _, headers, body = response.serialized(ActionResult(refusal))
    headers["status"] = 403
    return body, headers


def apply():
    orig_assume_role = TokenResponse.assume_role

    def assume_role(self):
        seed_roles()
        role_arn = self._get_param("RoleArn")
        role = find_role(role_arn)
        if role is not None and not trusts(role, self._get_param("ExternalId")):
            return access_denied(self, role_arn)
        return orig_assume_role(self)

    seed_roles()
    TokenResponse.assume_role = assume_role
