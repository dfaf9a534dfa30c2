//! The signing keys of the issuers that trust policies name, cached per issuer: fetched on
//! first use and again after [`KEYS_TTL`], and on a `kid` the cache does not know at most once
//! a minute per issuer, so tokens with made-up `kid`s cannot make this server hammer an
//! issuer. A failed fetch keeps serving the keys it had.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::super::{ServiceError, ServiceResult};
use crate::domain::client_key::ClientKey;
use crate::infra::oidc::OidcClient;

/// How long fetched keys are used before they are fetched again.
const KEYS_TTL: Duration = Duration::from_secs(600);
/// Least time between two fetches of one issuer's keys.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// One issuer's keys, by their `kid` (a key without one matches only a token without one).
#[derive(Debug, Default)]
struct Cached {
    keys: Vec<(Option<String>, ClientKey)>,
    fetched_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

impl Cached {
    fn matching(&self, kid: Option<&str>) -> Vec<ClientKey> {
        self.keys
            .iter()
            .filter(|(k, _)| kid.is_none() || k.as_deref() == kid)
            .map(|(_, key)| key.clone())
            .collect()
    }
}

/// The issuers' keys, shared by every request.
#[derive(Debug)]
pub struct IssuerKeys {
    client: OidcClient,
    insecure: Vec<String>,
    cache: Mutex<HashMap<String, Cached>>,
    /// Held while fetching, so requests arriving meanwhile wait for that fetch rather than
    /// start their own or find no key.
    fetching: tokio::sync::Mutex<()>,
}

impl IssuerKeys {
    /// A cache fetching with `client`; `insecure` lists the issuers allowed over plain http.
    pub fn new(client: OidcClient, insecure: &[String]) -> Self {
        Self {
            client,
            insecure: insecure
                .iter()
                .map(|i| i.trim_end_matches('/').to_owned())
                .collect(),
            cache: Mutex::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The keys of `issuer` a token naming `kid` may be signed with (every key for a token
    /// without a `kid`). Fetches when the cache is empty, stale, or lacks `kid`, within the
    /// refetch limit.
    pub async fn keys(&self, issuer: &str, kid: Option<&str>) -> ServiceResult<Vec<ClientKey>> {
        if let Some(found) = self.cached(issuer, kid)? {
            return Ok(found);
        }
        let _one_fetch = self.fetching.lock().await;
        if let Some(found) = self.cached(issuer, kid)? {
            return Ok(found);
        }
        self.with_entry(issuer, |e| e.attempted_at = Some(Instant::now()))?;
        let secure_only = !self.insecure.iter().any(|i| i == issuer);
        let fetched = self.client.keys(issuer, secure_only).await;
        self.with_entry(issuer, |entry| match fetched {
            Ok(jwks) => {
                entry.keys = jwks.iter().filter_map(parsed).collect();
                entry.fetched_at = Some(Instant::now());
                Ok(entry.matching(kid))
            }
            Err(e) if entry.fetched_at.is_some() => {
                tracing::warn!(issuer, error = %e, "refreshing an issuer's keys failed; keeping the keys it had");
                Ok(entry.matching(kid))
            }
            Err(e) => Err(ServiceError::IssuerUnavailable(e.to_string())),
        })?
    }

    /// The cached answer, when the cache may answer: its keys are fresh and hold `kid`, or
    /// the issuer was fetched less than a minute ago (then possibly no key).
    fn cached(&self, issuer: &str, kid: Option<&str>) -> ServiceResult<Option<Vec<ClientKey>>> {
        let now = Instant::now();
        self.with_entry(issuer, |entry| {
            let found = entry.matching(kid);
            let fresh = entry.fetched_at.is_some_and(|t| now - t < KEYS_TTL);
            let recently_tried = entry.attempted_at.is_some_and(|t| now - t < REFETCH_AFTER);
            ((fresh && !found.is_empty()) || recently_tried).then_some(found)
        })
    }

    fn with_entry<T>(&self, issuer: &str, f: impl FnOnce(&mut Cached) -> T) -> ServiceResult<T> {
        let mut cache = self.cache.lock().map_err(|_| ServiceError::Unavailable)?;
        Ok(f(cache.entry(issuer.to_owned()).or_default()))
    }
}

/// A published JWK this server can verify with, and its `kid`; other keys (encryption keys,
/// algorithms it does not accept) are skipped.
fn parsed(jwk: &Value) -> Option<(Option<String>, ClientKey)> {
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
    ClientKey::parse(jwk).ok().map(|key| (kid, key))
}
