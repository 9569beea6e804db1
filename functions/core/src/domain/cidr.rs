//! CIDR blocks, IPv4 and IPv6, in canonical form (`ipnet` underneath).

use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::ParseError;

/// An IPv4 or IPv6 CIDR block in canonical form (no host bits set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr(IpNet);

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let net = IpNet::from_str(s.trim()).map_err(|_| {
            ParseError::new("CIDR block", s, "expected an address and a prefix length")
        })?;
        if net.trunc() != net {
            return Err(ParseError::new(
                "CIDR block",
                s,
                "host bits are set (write the network address)",
            ));
        }
        Ok(Self(net))
    }

    pub fn net(&self) -> IpNet {
        self.0
    }

    pub fn is_ipv6(&self) -> bool {
        matches!(self.0, IpNet::V6(_))
    }

    /// True when `self` contains `other` (equal blocks contain each other).
    pub fn contains(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0)
    }

    /// True when the two blocks share at least one address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The strictly larger blocks that contain this one, nearest first.
    pub fn supernets(&self) -> impl Iterator<Item = Cidr> {
        std::iter::successors(self.0.supernet(), |n| n.supernet()).map(Cidr)
    }
}

impl From<IpNet> for Cidr {
    fn from(net: IpNet) -> Self {
        Cidr(net.trunc())
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Cidr {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Cidr {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> String {
        c.to_string()
    }
}
