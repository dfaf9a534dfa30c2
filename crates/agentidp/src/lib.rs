//! AgentIdP: an identity provider for AI agents.
//!
//! The crate is layered, every import pointing down (a test checks it): `http` parses requests
//! and shapes responses; `app` and `config` wire the parts together; `service` holds the use
//! cases; `store` owns every SQL statement and `infra` the other adapters (Redis, rate limits,
//! metrics, network values); `domain` holds the pure types and rules they all share.

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod infra;
pub mod service;
pub mod store;

pub use app::{App, AppState};

/// Renders an error with its whole `source()` chain, for logs.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    chain
}
pub use config::Config;
