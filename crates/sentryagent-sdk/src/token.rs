//! The agent-side token provider: client credentials, an in-memory cache refreshed before
//! expiry, and one request in flight however many tasks ask at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::models::{TokenRequest, TokenResponse};
use crate::transport::{Repeat, Transport, json};

/// A cached access token. `Debug` never shows the token.
#[derive(Clone)]
pub struct AccessToken {
    value: SecretString,
    expires_at: Instant,
    scope: String,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("expires_in", &self.expires_in())
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// The compact JWT, for an `Authorization: Bearer` header.
    pub fn secret(&self) -> &str {
        self.value.expose_secret()
    }

    /// Time left before it expires.
    pub fn expires_in(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }

    /// The granted scopes, space separated.
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// How the provider proves the agent's identity at the token endpoint (`Debug` shows neither
/// the secret nor the key).
#[derive(Debug)]
pub(crate) enum ClientAuth {
    /// `client_secret_basic`.
    Secret(SecretString),
    /// `private_key_jwt`: a fresh signed assertion per token request.
    #[cfg(feature = "private-key-jwt")]
    PrivateKey(crate::PrivateKey),
}

struct Inner {
    transport: Arc<Transport>,
    client_id: String,
    auth: ClientAuth,
    request: TokenRequest,
    cache: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
    margin: Option<Duration>,
}

/// Gets and caches an agent's access tokens (OAuth 2.0 client credentials).
///
/// Cheap to clone; clones share the cache. A token is refreshed when a fifth of its lifetime
/// (at most 60 s) is left, so callers never hold one that expires mid-request; concurrent
/// callers that find the cache stale wait for a single token request.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for the agent `client_id` at the server `base_url`, with the default retry
    /// policy and a 30 s request timeout. A [`Client`](crate::Client) built with
    /// `client_credentials` has one too: [`Client::token_provider`](crate::Client::token_provider).
    pub fn new(
        base_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        request: TokenRequest,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let transport = Transport::new(base_url, http, crate::RetryPolicy::default())?;
        Ok(Self::with_transport(
            Arc::new(transport),
            client_id.into(),
            ClientAuth::Secret(client_secret.into()),
            request,
        ))
    }

    /// A provider for the agent `client_id` that authenticates with `private_key_jwt`: each
    /// token request carries a new 60-second assertion signed by `key`, whose public JWK is
    /// registered as one of the agent's credentials.
    #[cfg(feature = "private-key-jwt")]
    pub fn private_key_jwt(
        base_url: &str,
        client_id: impl Into<String>,
        key: crate::PrivateKey,
        request: TokenRequest,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let transport = Transport::new(base_url, http, crate::RetryPolicy::default())?;
        Ok(Self::with_transport(
            Arc::new(transport),
            client_id.into(),
            ClientAuth::PrivateKey(key),
            request,
        ))
    }

    pub(crate) fn with_transport(
        transport: Arc<Transport>,
        client_id: String,
        auth: ClientAuth,
        request: TokenRequest,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport,
                client_id,
                auth,
                request,
                cache: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
                fetches: AtomicU64::new(0),
                margin: None,
            }),
        }
    }

    /// Refresh tokens this long before they expire, instead of the default (a fifth of the
    /// lifetime, at most 60 s). Call before the provider is shared.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.margin = Some(margin);
        }
        self
    }

    /// The client id tokens are requested for.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The agent's secret, when it authenticates with one.
    pub(crate) fn client_secret(&self) -> Option<&SecretString> {
        match &self.inner.auth {
            ClientAuth::Secret(secret) => Some(secret),
            #[cfg(feature = "private-key-jwt")]
            ClientAuth::PrivateKey(_) => None,
        }
    }

    /// A valid token: the cached one while it is fresh, otherwise a new one.
    pub async fn token(&self) -> Result<AccessToken> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _single_flight = self.inner.refresh.lock().await;
        // Whoever held the lock before us may have refreshed already.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let cached = self.fetch().await?;
        let token = cached.token.clone();
        *self.write_cache() = Some(cached);
        Ok(token)
    }

    /// Drops `rejected` from the cache (after the server answered 401 to it), so the next
    /// [`token`](Self::token) fetches a new one; a newer cached token is kept.
    pub fn invalidate(&self, rejected: &AccessToken) {
        let mut cache = self.write_cache();
        if cache
            .as_ref()
            .is_some_and(|c| c.token.secret() == rejected.secret())
        {
            *cache = None;
        }
    }

    /// How many token requests this provider has sent (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    fn fresh(&self) -> Option<AccessToken> {
        let cache = self
            .inner
            .cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, Option<Cached>> {
        self.inner
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One token request as the provider makes it, without the cache: what `issue-token`
    /// does. Each attempt (retries included) carries a new assertion for `private_key_jwt`,
    /// since the server accepts each only once.
    pub async fn request_token(&self) -> Result<TokenResponse> {
        let inner = &self.inner;
        let form = inner.request.client_credentials_grant();
        #[cfg(feature = "private-key-jwt")]
        let audience = format!("{}/oauth2/token", inner.transport.base());
        let response = inner
            .transport
            .send(Repeat::Safe, || {
                let request = inner.transport.request(Method::POST, "/oauth2/token");
                match &inner.auth {
                    ClientAuth::Secret(secret) => request
                        .basic_auth(&inner.client_id, Some(secret.expose_secret()))
                        .form(&form),
                    #[cfg(feature = "private-key-jwt")]
                    ClientAuth::PrivateKey(key) => {
                        let mut form = form.clone();
                        match key.sign_assertion(&inner.client_id, &audience) {
                            Ok(assertion) => {
                                form.client_assertion_type = Some(crate::ASSERTION_TYPE.to_owned());
                                form.client_assertion = Some(assertion.into());
                            }
                            // The server then refuses the request as unauthenticated.
                            Err(e) => tracing::error!(error = %e, "cannot sign a client assertion"),
                        }
                        request.form(&form)
                    }
                }
            })
            .await?;
        json(response).await
    }

    async fn fetch(&self) -> Result<Cached> {
        let inner = &self.inner;
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        let body = self.request_token().await?;
        let issued = Instant::now();
        if !body.token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::Decode(format!(
                "token_type {:?} is not Bearer",
                body.token_type
            )));
        }
        let lifetime = u64::try_from(body.expires_in)
            .ok()
            .filter(|secs| *secs > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                Error::Decode(format!("expires_in {} is not a lifetime", body.expires_in))
            })?;
        let margin = inner
            .margin
            .unwrap_or((lifetime / 5).min(Duration::from_secs(60)))
            .min(lifetime);
        Ok(Cached {
            refresh_at: issued + (lifetime - margin),
            token: AccessToken {
                value: body.access_token,
                expires_at: issued + lifetime,
                scope: body.scope,
            },
        })
    }
}
