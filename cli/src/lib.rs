//! The operator CLI's commands, as a library so that tests drive exactly the
//! code the `tgw-peering` binary runs.

pub mod commands;
pub mod mesh;
pub mod paths;
pub mod render;

/// Output format of every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
    /// Graphviz DOT: the mesh (`status` only).
    Dot,
    /// A Mermaid flowchart: the mesh (`status` only).
    Mermaid,
}
