//! Workload federation: trust policies (which workloads of which OIDC issuer may act as
//! which agent), the cache of the issuers' signing keys, and the token exchange (RFC 8693)
//! that turns a workload's identity token into an agent's access token.

mod exchange;
mod issuers;
mod policies;

pub use exchange::ExchangeRequest;
pub use issuers::IssuerKeys;
pub use policies::PolicyPage;
