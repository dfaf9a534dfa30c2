//! Infrastructure adapters outside the database: Redis, rate limiting, metrics, and the
//! network value types of the configuration.

pub mod metrics;
pub mod net;
pub mod oidc;
pub mod rate_limit;
pub mod redis;
pub mod stripe;
