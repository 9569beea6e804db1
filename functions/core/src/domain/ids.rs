//! Identifiers: AWS Region codes, resource IDs, account IDs and role ARNs.
//! Every one is a newtype whose only constructor is `parse`, so a value of
//! the type is a valid value ("parse, don't validate").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid value of a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: {why}")]
pub struct ParseError {
    pub kind: &'static str,
    pub value: String,
    pub why: &'static str,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, value: &str, why: &'static str) -> Self {
        let mut value = value.to_owned();
        // Keep messages readable when fed garbage.
        if value.len() > 80 {
            let mut end = 80;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            value.truncate(end);
            value.push('…');
        }
        Self { kind, value, why }
    }
}

fn is_lower_alnum(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// An AWS Region code such as `us-east-1` or `us-gov-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const KIND: &str = "AWS Region";
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() < 3 {
            return Err(ParseError::new(
                KIND,
                s,
                "expected a code like us-east-1 (area-name-number)",
            ));
        }
        let (last, rest) = parts.split_last().expect("len >= 3");
        if last.is_empty() || !last.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(KIND, s, "must end with a number"));
        }
        if !rest.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase())) {
            return Err(ParseError::new(
                KIND,
                s,
                "must be lowercase letters separated by '-' before the number",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition of the Region's ARNs, by the Region's prefix: `aws-cn`
    /// (`cn-`), `aws-us-gov` (`us-gov-`), `aws-iso` (`us-iso-`),
    /// `aws-iso-b` (`us-isob-`), `aws-iso-e` (`eu-isoe-`), `aws-iso-f`
    /// (`us-isof-`), `aws-eusc` (`eusc-`), else `aws` ("Amazon Resource
    /// Names", IAM User Guide,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>;
    /// the Regions of each partition as the SDKs' endpoint rules list them).
    pub fn partition(&self) -> &'static str {
        PARTITIONS
            .iter()
            .find(|(prefix, _)| self.0.starts_with(prefix))
            .map_or("aws", |(_, partition)| partition)
    }
}

/// Region-code prefixes and their partitions (see [`Region::partition`]).
const PARTITIONS: &[(&str, &str)] = &[
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
];

macro_rules! string_newtype_impls {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $t {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $t {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

macro_rules! aws_id {
    ($(#[$doc:meta])* $t:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $t(String);

        impl $t {
            pub const PREFIX: &'static str = $prefix;

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s.strip_prefix($prefix) {
                    Some(rest) if is_lower_alnum(rest) && rest.len() <= 32 => Ok(Self(s.to_owned())),
                    Some(_) => Err(ParseError::new(
                        $kind,
                        s,
                        concat!("expected ", $prefix, " followed by lowercase letters or digits"),
                    )),
                    None => Err(ParseError::new($kind, s, concat!("must start with ", $prefix))),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_newtype_impls!($t);
    };
}

string_newtype_impls!(Region);

aws_id!(
    /// A transit gateway ID, `tgw-…`.
    TransitGatewayId,
    "tgw-",
    "transit gateway ID"
);
aws_id!(
    /// A transit gateway route table ID, `tgw-rtb-…`.
    RouteTableId,
    "tgw-rtb-",
    "transit gateway route table ID"
);
aws_id!(
    /// A transit gateway attachment ID, `tgw-attach-…`. An inter-Region peering
    /// has the same ID on both sides.
    AttachmentId,
    "tgw-attach-",
    "transit gateway attachment ID"
);
aws_id!(
    /// A VPC ID, `vpc-…`.
    VpcId,
    "vpc-",
    "VPC ID"
);

aws_id!(
    /// A VPC route table ID, `rtb-…` (a transit gateway route table is a
    /// [`RouteTableId`], `tgw-rtb-…`).
    VpcRouteTableId,
    "rtb-",
    "VPC route table ID"
);

aws_id!(
    /// A managed prefix list ID, `pl-…`.
    PrefixListId,
    "pl-",
    "prefix list ID"
);

/// A 12-digit AWS account ID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new("AWS account ID", s, "expected 12 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(AccountId);

/// The ARN of an IAM role, `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`,
/// which carries the account the role belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn {
    arn: String,
    account: AccountId,
}

impl RoleArn {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const KIND: &str = "IAM role ARN";
        const WHY: &str = "expected arn:aws:iam::ACCOUNT:role/NAME";
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return Err(ParseError::new(KIND, s, WHY));
        };
        let name = resource.strip_prefix("role/").unwrap_or_default();
        let name_ok = !name.is_empty()
            && name.len() <= 512
            && !name.ends_with('/')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
        if *arn != "arn"
            || !(*partition == "aws" || PARTITIONS.iter().any(|(_, p)| p == partition))
            || *service != "iam"
            || !region.is_empty()
            || !name_ok
        {
            return Err(ParseError::new(KIND, s, WHY));
        }
        let account = AccountId::parse(account)
            .map_err(|_| ParseError::new(KIND, s, "the account is not 12 digits"))?;
        Ok(Self { arn: s.to_owned(), account })
    }

    /// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
    ///
    /// # Errors
    /// A [`ParseError`] when `name` is not a role name.
    pub fn of(partition: &str, account: &AccountId, name: &str) -> Result<Self, ParseError> {
        Self::parse(&format!("arn:{partition}:iam::{account}:role/{name}"))
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The account the role belongs to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The role's name: the last segment of its path (role names are
    /// unique in an account whatever the path, "IAM identifiers", IAM User
    /// Guide).
    pub fn name(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or_default()
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl TryFrom<String> for RoleArn {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<RoleArn> for String {
    fn from(r: RoleArn) -> String {
        r.arn
    }
}
