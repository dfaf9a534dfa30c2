//! The JWKS cache: keys fetched from the issuer, refreshed when they age or when a token names
//! a `kid` we have not seen (at most once per cooldown, so forged kids cannot flood the issuer).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;

use super::{Algorithm, GuardError};

/// A published verification key; it verifies its own algorithm only.
#[derive(Debug)]
pub(crate) struct PublicKey {
    pub(crate) alg: Algorithm,
    material: Material,
}

#[derive(Debug)]
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed P-256 point, `0x04 || x || y`.
    P256(Vec<u8>),
    Ed25519(Vec<u8>),
}

impl PublicKey {
    /// Checks `signature` over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            Material::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            Material::P256(point) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok(),
            Material::Ed25519(x) => UnparsedPublicKey::new(&ED25519, x)
                .verify(message, signature)
                .is_ok(),
        }
    }
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl Jwk {
    /// The key, or why it cannot be used. A key without `alg` gets the one its type implies.
    fn parse(self) -> Result<(String, PublicKey), String> {
        let kid = self.kid.ok_or("a key has no kid")?;
        if self.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(format!("key {kid} is not a signing key"));
        }
        let b64 = |field: Option<String>, name: &str| -> Result<Vec<u8>, String> {
            let text = field.ok_or_else(|| format!("key {kid} lacks {name}"))?;
            B64.decode(text)
                .map_err(|_| format!("key {kid}: {name} is not base64url"))
        };
        let (implied, material) = match (self.kty.as_str(), self.crv.as_deref()) {
            ("RSA", _) => (
                Algorithm::Rs256,
                Material::Rsa {
                    n: b64(self.n, "n")?,
                    e: b64(self.e, "e")?,
                },
            ),
            ("EC", Some("P-256")) => {
                let point = [vec![4u8], b64(self.x, "x")?, b64(self.y, "y")?].concat();
                (Algorithm::Es256, Material::P256(point))
            }
            ("OKP", Some("Ed25519")) => (Algorithm::EdDsa, Material::Ed25519(b64(self.x, "x")?)),
            (kty, crv) => return Err(format!("key {kid}: unsupported kty {kty} / crv {crv:?}")),
        };
        let alg = match self.alg.as_deref() {
            None => implied,
            Some(a) => Algorithm::parse(a)
                .filter(|a| *a == implied)
                .ok_or_else(|| format!("key {kid}: alg {a} does not fit kty {}", self.kty))?,
        };
        Ok((kid, PublicKey { alg, material }))
    }
}

#[derive(Default)]
struct Snapshot {
    keys: HashMap<String, Arc<PublicKey>>,
    fetched_at: Option<Instant>,
}

/// The issuer's keys, fetched lazily and shared by every verification.
pub(crate) struct Jwks {
    url: String,
    http: reqwest::Client,
    cooldown: Duration,
    max_age: Duration,
    snapshot: RwLock<Snapshot>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl Jwks {
    pub(crate) fn new(
        url: String,
        http: reqwest::Client,
        cooldown: Duration,
        max_age: Duration,
    ) -> Self {
        Self {
            url,
            http,
            cooldown,
            max_age,
            snapshot: RwLock::default(),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many times the JWKS has been fetched.
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key `kid`, refreshing the set when it is unknown (at most once per cooldown) or
    /// older than the maximum age.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<PublicKey>, GuardError> {
        let (key, fetched_at) = self.lookup(kid);
        let due = match (&key, fetched_at) {
            (_, None) => true,
            (Some(_), Some(at)) => at.elapsed() >= self.max_age,
            (None, Some(at)) => at.elapsed() >= self.cooldown,
        };
        if !due {
            return key.ok_or_else(|| GuardError::UnknownKey(kid.to_owned()));
        }
        let refreshed = self.refresh(fetched_at).await;
        match (self.lookup(kid).0, refreshed) {
            (Some(key), _) => Ok(key),
            (None, Err(e)) if self.is_empty() => Err(e),
            (None, _) => Err(GuardError::UnknownKey(kid.to_owned())),
        }
    }

    /// Fetches the set in advance (e.g. at start-up) so the first request does not wait.
    pub(crate) async fn prefetch(&self) -> Result<(), GuardError> {
        let fetched_at = self.lookup("").1;
        self.refresh(fetched_at).await
    }

    fn is_empty(&self) -> bool {
        self.snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys
            .is_empty()
    }

    fn lookup(&self, kid: &str) -> (Option<Arc<PublicKey>>, Option<Instant>) {
        let snapshot = self
            .snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (snapshot.keys.get(kid).cloned(), snapshot.fetched_at)
    }

    /// One fetch at a time; a caller that waited for another's fetch (the set is newer than
    /// the one it saw) does not fetch again. A failed fetch keeps the keys we had.
    async fn refresh(&self, seen: Option<Instant>) -> Result<(), GuardError> {
        let _single_flight = self.refresh.lock().await;
        if self.lookup("").1 != seen {
            return Ok(());
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.fetch().await;
        let mut snapshot = self
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Even a failure counts as an attempt, so an unreachable issuer is not hammered.
        snapshot.fetched_at = Some(Instant::now());
        match result {
            Ok(keys) => {
                snapshot.keys = keys;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, "JWKS refresh failed; keeping the keys we have");
                Err(e)
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<PublicKey>>, GuardError> {
        let unavailable = |e: String| GuardError::JwksUnavailable(format!("{}: {e}", self.url));
        let response = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("HTTP {}", response.status())));
        }
        let set: JwkSet = response
            .json()
            .await
            .map_err(|e| unavailable(format!("not a JWK set: {e}")))?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            match jwk.parse() {
                Ok((kid, key)) => {
                    keys.insert(kid, Arc::new(key));
                }
                Err(why) => tracing::debug!(%why, "JWKS key skipped"),
            }
        }
        Ok(keys)
    }
}
