//! Segments: the route tables a network team tags to keep VPCs apart, and
//! the segment a VPC's tag names.
//!
//! A transit gateway route table tagged [`SEGMENT_TAG`] = NAME is segment
//! NAME's table in its Region; a table tagged [`ROLE_TAG`] =
//! [`PEERING_ROLE`] is the table the Region's peerings are associated with
//! (traffic arriving from a peer Region is routed by the table associated
//! with the peering: "Transit gateway peering attachments", and an
//! attachment is associated with exactly one route table: "Associations",
//! Amazon VPC Transit Gateways guide).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ParseError, RouteTableId, TgwRouteTable};

/// The tag that makes a transit gateway route table a segment's table (and
/// a ledger list the ledger of that segment's table).
pub const SEGMENT_TAG: &str = "tgw-peering:segment";
/// The tag that gives a transit gateway route table a role.
pub const ROLE_TAG: &str = "tgw-peering:role";
/// The role of the table the Region's peerings are associated with.
pub const PEERING_ROLE: &str = "peering";
/// The longest segment name.
pub const MAX_SEGMENT_LEN: usize = 32;

/// A segment name: 1 to [`MAX_SEGMENT_LEN`] characters, lower-case ASCII
/// letters, digits and `-`, starting with a letter (`prod`, `dev`,
/// `shared-services`). It goes into ledger list names and tags, so it
/// keeps to characters every one of them allows. [`Segment::DEFAULT`]
/// (`default`) is the segment of VPCs tagged `true`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Segment(String);

impl Segment {
    /// The name of the default segment.
    pub const DEFAULT: &'static str = "default";

    /// Parses a segment name as written in a tag: white space around it
    /// trimmed, upper-case letters lowered (a tag value `Prod ` names
    /// `prod`).
    ///
    /// # Errors
    /// [`ParseError`] saying what is allowed.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const KIND: &str = "segment name";
        let name = s.trim().to_ascii_lowercase();
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if name.is_empty() || name.len() > MAX_SEGMENT_LEN {
            return Err(ParseError::new(KIND, s, "must be 1 to 32 characters"));
        }
        if !name.bytes().all(allowed) || !name.as_bytes()[0].is_ascii_lowercase() {
            return Err(ParseError::new(
                KIND,
                s,
                "must be lower-case letters, digits and '-', starting with a letter",
            ));
        }
        Ok(Self(name))
    }

    /// The default segment.
    pub fn default_segment() -> Self {
        Self(Self::DEFAULT.to_owned())
    }

    pub fn is_default(&self) -> bool {
        self.0 == Self::DEFAULT
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Segment {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<Segment> for String {
    fn from(s: Segment) -> String {
        s.0
    }
}

/// What a VPC's tag value asks for, where segments are declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentTag {
    /// No tag, or `false` (in any case, trimmed): not tagged.
    NotTagged,
    /// `true`, or a segment name: that segment (`true` is the default).
    Segment(Segment),
    /// A value that is no segment name at all, as written.
    Invalid(String),
}

impl SegmentTag {
    /// Reads a VPC's tag value (`None`: no such tag).
    pub fn of(value: Option<&str>) -> Self {
        let Some(v) = value else {
            return Self::NotTagged;
        };
        let trimmed = v.trim();
        if trimmed.eq_ignore_ascii_case("false") {
            Self::NotTagged
        } else if trimmed.eq_ignore_ascii_case("true") {
            Self::Segment(Segment::default_segment())
        } else {
            Segment::parse(trimmed).map_or_else(|_| Self::Invalid(v.to_owned()), Self::Segment)
        }
    }
}

/// The route tables of one transit gateway that its tags (and
/// `ROUTE_TABLE_IDS`) give a segment or a role, and the tags that give
/// none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentTables {
    /// Whether any table of the gateway carries [`SEGMENT_TAG`] or
    /// [`ROLE_TAG`]: segments are declared, and a VPC's tag value names
    /// its segment.
    pub declared: bool,
    /// Each segment's table, the default segment's included when the
    /// Region has one (`ROUTE_TABLE_IDS`, the table tagged `default`, or
    /// the default association table when it is no other segment's or the
    /// peering table).
    pub segments: BTreeMap<Segment, RouteTableId>,
    /// The table tagged `tgw-peering:role` = `peering`.
    pub peering: Option<RouteTableId>,
    /// Tags that give a table no segment or role, and why: a name outside
    /// what [`Segment::parse`] allows, an unknown role, two tables claiming
    /// one segment (neither is used: never a guess).
    pub invalid: Vec<(RouteTableId, String)>,
}

impl SegmentTables {
    /// Reads the tags of `tables` (every table of one gateway, in any
    /// state; deleting and deleted ones are ignored). `named` is
    /// `ROUTE_TABLE_IDS`' table, `default_association` the gateway's.
    pub fn of(
        tables: &[TgwRouteTable],
        named: Option<&RouteTableId>,
        default_association: Option<&RouteTableId>,
    ) -> Self {
        let mut out = Self::default();
        let mut claims: BTreeMap<Segment, Vec<RouteTableId>> = BTreeMap::new();
        let mut peering = Vec::new();
        for t in tables.iter().filter(|t| !t.state.is_gone()) {
            if let Some(role) = t.tags.get(ROLE_TAG) {
                out.declared = true;
                if role.trim().eq_ignore_ascii_case(PEERING_ROLE) {
                    peering.push(t.id.clone());
                } else {
                    let why = format!(
                        "{ROLE_TAG}={role:?} is no role (the one role is {PEERING_ROLE:?})"
                    );
                    out.invalid.push((t.id.clone(), why));
                }
            }
            if let Some(name) = t.tags.get(SEGMENT_TAG) {
                out.declared = true;
                match Segment::parse(name) {
                    Ok(s) => claims.entry(s).or_default().push(t.id.clone()),
                    Err(e) => out.invalid.push((t.id.clone(), format!("{SEGMENT_TAG}: {e}"))),
                }
            }
        }
        for (segment, ids) in claims {
            match ids.as_slice() {
                [one] => {
                    out.segments.insert(segment, one.clone());
                }
                many => {
                    let list: Vec<&str> = many.iter().map(RouteTableId::as_str).collect();
                    let why = format!(
                        "{} tables are tagged {SEGMENT_TAG}={segment} ({}): neither is used until one is",
                        many.len(),
                        list.join(", ")
                    );
                    out.invalid.extend(many.iter().map(|id| (id.clone(), why.clone())));
                }
            }
        }
        match peering.as_slice() {
            [one] => out.peering = Some(one.clone()),
            [] => {}
            many => {
                let why = format!(
                    "{} tables are tagged {ROLE_TAG}={PEERING_ROLE}: neither is used until one is",
                    many.len()
                );
                out.invalid.extend(many.iter().map(|id| (id.clone(), why.clone())));
            }
        }
        out.resolve_default(named, default_association);
        out
    }

    /// The default segment's table: `ROUTE_TABLE_IDS`, else the table
    /// tagged `default`, else the default association table unless it is
    /// another segment's or the peering table.
    fn resolve_default(
        &mut self,
        named: Option<&RouteTableId>,
        default_association: Option<&RouteTableId>,
    ) {
        let default = Segment::default_segment();
        if let Some(id) = named {
            let other = self.segments.iter().find(|(s, t)| *t == id && **s != default);
            let claimed = other.map(|(s, _)| format!("segment {s}'s")).or_else(|| {
                (self.peering.as_ref() == Some(id)).then(|| "the peering table".to_owned())
            });
            if let Some(what) = claimed {
                // One table, one role: never two segments' plans on it.
                let why = format!("ROUTE_TABLE_IDS names it as the default segment's table, but its tags make it {what}: the default segment has no table here until one of the two changes");
                self.invalid.push((id.clone(), why));
                self.segments.remove(&default);
                return;
            }
            if let Some(tagged) = self.segments.get(&default).filter(|t| *t != id) {
                let why = format!("tagged {SEGMENT_TAG}=default, but ROUTE_TABLE_IDS names {id}, which is the default segment's table");
                self.invalid.push((tagged.clone(), why));
            }
            self.segments.insert(default, id.clone());
        } else if !self.segments.contains_key(&default) {
            let taken = |id: &RouteTableId| {
                self.segments.values().any(|t| t == id) || self.peering.as_ref() == Some(id)
            };
            if let Some(id) = default_association.filter(|id| !taken(id)) {
                self.segments.insert(default, id.clone());
            }
        }
    }

    /// The default segment's table, if the Region has one.
    pub fn default_table(&self) -> Option<&RouteTableId> {
        self.segments.get(&Segment::default_segment())
    }

    /// The table the Region's peerings are associated with: the peering
    /// table, else the default segment's.
    pub fn peering_table(&self) -> Option<&RouteTableId> {
        self.peering.as_ref().or(self.default_table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_name_is_trimmed_and_lowered_and_checked() {
        assert_eq!(Segment::parse(" Prod ").unwrap().as_str(), "prod");
        assert_eq!(Segment::parse("shared-services").unwrap().as_str(), "shared-services");
        for bad in ["", " ", "9lives", "prod_1", "pröd", "-dev", &"a".repeat(33)] {
            assert!(Segment::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_tag_value_names_a_segment_true_is_the_default_and_false_is_none() {
        assert_eq!(SegmentTag::of(None), SegmentTag::NotTagged);
        assert_eq!(SegmentTag::of(Some(" FALSE")), SegmentTag::NotTagged);
        assert_eq!(SegmentTag::of(Some("True ")), SegmentTag::Segment(Segment::default_segment()));
        assert_eq!(
            SegmentTag::of(Some(" DEV")),
            SegmentTag::Segment(Segment::parse("dev").unwrap())
        );
        assert_eq!(SegmentTag::of(Some("prod/eu")), SegmentTag::Invalid("prod/eu".to_owned()));
    }
}
