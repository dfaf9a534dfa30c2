//! Liveness, and a detailed check of every dependency (database, Redis, and Vault and OPA
//! when configured), run concurrently under one timeout.

use std::future::Future;
use std::time::{Duration, Instant};

use agentidp_proto::{Checks, DependencyHealth, DetailedHealth, Health};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// How long a dependency may take before it counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// Slower answers than this make a dependency `degraded`.
const DEGRADED_AFTER: Duration = Duration::from_millis(1000);

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(health_detailed))
}

/// Liveness: answers while the process serves HTTP; checks no dependency.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

async fn check<F>(backend: &'static str, probe: F) -> DependencyHealth
where
    F: Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    let outcome = tokio::time::timeout(CHECK_TIMEOUT, probe).await;
    let took = start.elapsed();
    let (status, error) = match outcome {
        Ok(Ok(())) if took > DEGRADED_AFTER => ("degraded", Some("slow to answer".to_owned())),
        Ok(Ok(())) => ("healthy", None),
        Ok(Err(e)) => ("unreachable", Some(e)),
        Err(_) => ("unreachable", Some("timed out".to_owned())),
    };
    DependencyHealth {
        status: status.to_owned(),
        latency_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        backend: backend.to_owned(),
        error,
    }
}

/// A GET that must answer one of `accepted` statuses.
async fn http_ok(client: &reqwest::Client, url: String, accepted: &[u16]) -> Result<(), String> {
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| crate::error_chain(&e))?;
    let status = response.status().as_u16();
    if accepted.contains(&status) {
        Ok(())
    } else {
        Err(format!("answered HTTP {status}"))
    }
}

/// Readiness: checks the database and Redis (and Vault and OPA) concurrently; 200 healthy, 207 degraded, 503
/// when the database is unreachable.
#[utoipa::path(get, path = "/health/detailed", tag = "operations",
    responses(
        (status = 200, description = "Every dependency healthy", body = DetailedHealth),
        (status = 207, description = "Degraded: a dependency is slow, or Redis, Vault or OPA is unreachable (Redis: in-process state is used)", body = DetailedHealth),
        (status = 503, description = "The database is unreachable", body = DetailedHealth),
    ))]
async fn health_detailed(
    State(state): State<AppState>,
) -> (StatusCode, axum::Json<DetailedHealth>) {
    let db = &state.idp.db;
    let database = check(db.backend(), async {
        db.ping().await.map_err(|e| crate::error_chain(&e))
    });
    let redis = async {
        let link = state.redis.as_ref()?;
        let mut health = check("redis", async { link.ping().await.map(|_| ()) }).await;
        if health.status == "healthy" && !link.is_up() {
            "degraded".clone_into(&mut health.status);
            health.error = Some("answering again; shared state resumes within a second".into());
        }
        Some(health)
    };
    let [vault_url, opa_url] = state.config.external_health_urls();
    let client = &state.http_client;
    let vault = async {
        // 429, 472 and 473 are healthy standbys; 501 (not initialised) and 503 (sealed) are not.
        let url = vault_url?;
        Some(check("vault", http_ok(client, url, &[200, 429, 472, 473])).await)
    };
    let opa = async { Some(check("opa", http_ok(client, opa_url?, &[200])).await) };
    let (database, redis, vault, opa) = tokio::join!(database, redis, vault, opa);
    let degraded = [
        Some(&database),
        redis.as_ref(),
        vault.as_ref(),
        opa.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|c| c.status != "healthy");
    let (code, status) = if database.status == "unreachable" {
        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy")
    } else if degraded {
        (StatusCode::MULTI_STATUS, "degraded")
    } else {
        (StatusCode::OK, "healthy")
    };
    let body = DetailedHealth {
        status: status.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        checks: Checks {
            database,
            redis,
            vault,
            opa,
        },
    };
    (code, axum::Json(body))
}
