//! The resource-server guard: verifies AgentIdP access tokens offline against the published
//! JWKS, with the algorithm pinned to the key's, and checks issuer, audience, lifetime and
//! scopes. [`GuardLayer`] protects a tower/axum service; [`VerifiedToken`] is the extractor.

mod jwks;
mod layer;
mod verify;

pub use agentidp_proto::AccessClaims;
pub use layer::{GuardLayer, GuardService};
pub use verify::VerifiedToken;

use std::sync::Arc;
use std::time::Duration;

/// A signature algorithm AgentIdP signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm (the default accepted set; each token is still pinned to its key's).
    pub const ALL: [Self; 3] = [Self::Rs256, Self::Es256, Self::EdDsa];

    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE name; anything else (`none`, `HS256`…) is `None`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// Why a token was refused. Messages name the rule, never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// No `Authorization: Bearer` header.
    #[error("no bearer token")]
    MissingToken,
    /// Not a well-formed JWS with the claims an access token must carry.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// `typ` is not `at+jwt` (RFC 9068), e.g. an ID token.
    #[error("not an access token (typ must be at+jwt)")]
    WrongType,
    /// `alg` is not one this guard accepts (`none`, `HS256`…), or not the key's algorithm.
    #[error("algorithm {0} is not accepted for this key")]
    AlgorithmRejected(String),
    /// No published key has this `kid`, even after refreshing the JWKS.
    #[error("unknown signing key {0}")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// `exp` has passed.
    #[error("token expired")]
    Expired,
    /// `nbf` (or `iat`) is in the future.
    #[error("token not valid yet")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    #[error("wrong audience")]
    WrongAudience,
    /// A required scope is missing.
    #[error("missing scope: {0}")]
    InsufficientScope(String),
    /// The JWKS could not be fetched and no key is cached.
    #[error("signing keys unavailable: {0}")]
    JwksUnavailable(String),
}

/// Verifies access tokens for one resource (audience). Cheap to clone.
#[derive(Clone)]
pub struct Guard {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audience: String,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    jwks: jwks::Jwks,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Guard`].
#[derive(Debug)]
pub struct GuardBuilder {
    issuer: String,
    audience: String,
    jwks_url: Option<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    refresh_cooldown: Duration,
    max_age: Duration,
    http: Option<reqwest::Client>,
}

impl GuardBuilder {
    /// Where the keys are (default: `{issuer}/.well-known/jwks.json`).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Accept only these algorithms (default: all three). Pin the one your issuer uses.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Shortest time between two JWKS fetches caused by unknown `kid`s (default 30 s).
    pub fn jwks_refresh_cooldown(mut self, cooldown: Duration) -> Self {
        self.refresh_cooldown = cooldown;
        self
    }

    /// Age after which the cached JWKS is fetched again on next use (default 1 h).
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The HTTP client used to fetch the JWKS (default: 10 s timeout).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The guard. Keys are fetched on first use; call [`Guard::prefetch`] to fetch them now.
    pub fn build(self) -> Result<Guard, crate::Error> {
        let issuer = self.issuer.trim_end_matches('/').to_owned();
        if issuer.is_empty() || self.audience.is_empty() {
            return Err(crate::Error::Config(
                "a guard needs an issuer and an audience".into(),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(crate::Error::Config("accept at least one algorithm".into()));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| crate::Error::Config(e.to_string()))?,
        };
        let url = self
            .jwks_url
            .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        Ok(Guard {
            inner: Arc::new(Inner {
                jwks: jwks::Jwks::new(url, http, self.refresh_cooldown, self.max_age),
                issuer,
                audience: self.audience,
                algorithms: self.algorithms,
                leeway: self.leeway,
            }),
        })
    }
}

impl Guard {
    /// A guard for tokens issued by `issuer` (the `iss` claim, also where the JWKS lives) for
    /// `audience` (the `resource` the agents request tokens for).
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> GuardBuilder {
        GuardBuilder {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks_url: None,
            algorithms: Algorithm::ALL.to_vec(),
            leeway: Duration::from_secs(30),
            refresh_cooldown: Duration::from_secs(30),
            max_age: Duration::from_secs(3600),
            http: None,
        }
    }

    /// Fetches the JWKS now, so that the first request does not wait for it.
    pub async fn prefetch(&self) -> Result<(), GuardError> {
        self.inner.jwks.prefetch().await
    }

    /// How many times the JWKS has been fetched (for tests and metrics).
    pub fn jwks_fetch_count(&self) -> u64 {
        self.inner.jwks.fetch_count()
    }

    /// A tower layer that admits only requests with a valid token (and `scopes`, if set).
    pub fn layer(&self) -> GuardLayer {
        GuardLayer::new(self.clone())
    }
}
