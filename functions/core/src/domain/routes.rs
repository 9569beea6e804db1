//! Routes of transit gateway route tables.

use serde::{Deserialize, Serialize};

use super::{AttachmentId, Cidr};

/// Where a static route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RouteTarget {
    Attachment(AttachmentId),
    /// A blackhole route (drops traffic).
    Blackhole,
    /// The API returned no attachment: the route exists, its target cannot be
    /// proven. Such a route is never rewritten and never deleted.
    Unknown,
}

/// A static route of a transit gateway route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticRoute {
    pub cidr: Cidr,
    pub target: RouteTarget,
    /// `active`, `blackhole`, …
    pub state: String,
}
