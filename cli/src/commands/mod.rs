//! The CLI commands over the core, one file each: `session` (the
//! configuration and its clients, for `plan` and `status`), `apply` and
//! `handle`.
//!
//! Only `apply` waits (bounded by its timeout) for peering state changes; the
//! Lambda functions never wait, they schedule a re-check instead.

mod apply;
mod handle;
mod session;

pub use apply::{apply, waiting, Applied, ApplyOptions, ApplyReport, Progress};
pub use handle::{handle, handle_status, read_events, Handled};
pub use session::Session;
