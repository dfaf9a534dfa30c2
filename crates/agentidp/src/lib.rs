//! AgentIdP: an identity provider for AI agents.
//!
//! The crate is layered: `http` parses requests and shapes responses, `domain` holds the
//! rules, `store` owns every SQL statement, and `app` wires them together.

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod store;

pub use app::{App, AppState};
pub use config::Config;
