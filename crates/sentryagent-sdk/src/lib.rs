//! `sentryagent-sdk`: the Rust SDK of AgentIdP.
//!
//! - [`Client`]: a typed client for every `/v1` endpoint and the OAuth endpoints; errors are
//!   [`Error`], carrying the server's code and message.
//! - [`TokenProvider`]: an agent's tokens by client credentials (a secret, or a
//!   [`PrivateKey`] signing `private_key_jwt` assertions, feature `private-key-jwt`, on by
//!   default), cached in memory, refreshed before expiry, one request in flight, retried with
//!   backoff on 429/5xx (`Retry-After`).
//! - [`guard::Guard`] (feature `guard`, on by default): verifies access tokens offline against
//!   the JWKS and protects an axum/tower service in a few lines.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sentryagent_sdk::Error> {
//! use sentryagent_sdk::{Client, models::AgentFilter};
//!
//! let client = Client::builder("http://127.0.0.1:3000")
//!     .client_credentials("<client id>", "<client secret>".to_owned())
//!     .build()?;
//! for agent in client.list_all_agents(&AgentFilter::default()).await? {
//!     println!("{} {}", agent.agent_id, agent.name);
//! }
//! # Ok(()) }
//! ```

#[cfg(feature = "private-key-jwt")]
mod assertion;
mod client;
mod error;
pub mod models;
mod token;
mod transport;

#[cfg(feature = "guard")]
pub mod guard;

#[cfg(feature = "private-key-jwt")]
pub use assertion::{ASSERTION_TYPE, PrivateKey};
pub use client::{AuditExport, Client, ClientBuilder};
pub use error::{Error, Result};
pub use secrecy::{ExposeSecret, SecretString};
pub use token::{AccessToken, TokenProvider};
pub use transport::RetryPolicy;
