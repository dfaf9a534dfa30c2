//! Health answers (`/health`, `/health/detailed`).

use serde::{Deserialize, Serialize};

/// Liveness answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` while the process serves HTTP.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// One dependency's state.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DependencyHealth {
    /// `healthy`, `degraded` (slower than 1000 ms, or Redis bypassed) or `unreachable`.
    pub status: String,
    /// Round-trip time in milliseconds (the timeout when unreachable).
    pub latency_ms: u64,
    /// `sqlite` or `postgres` for the database; `redis`, `vault` or `opa` for the others.
    pub backend: String,
    /// Why the dependency is not healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The dependencies checked.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checks {
    /// The database.
    pub database: DependencyHealth,
    /// Redis, when `REDIS_URL` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<DependencyHealth>,
    /// Vault (`GET /v1/sys/health`), when `VAULT_ADDR` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<DependencyHealth>,
    /// Open Policy Agent (`GET /health`), when `OPA_URL` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opa: Option<DependencyHealth>,
}

/// Detailed health.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetailedHealth {
    /// `healthy` (200), `degraded` (207: slow or a non-critical dependency down) or
    /// `unhealthy` (503: the database is unreachable).
    pub status: String,
    /// Server version.
    pub version: String,
    /// Each dependency.
    pub checks: Checks,
}
