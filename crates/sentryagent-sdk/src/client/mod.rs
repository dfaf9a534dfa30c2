//! The typed API client: one method per endpoint, authenticated by client credentials (through
//! a [`TokenProvider`]) or a bearer token you already hold.

mod agents;
mod audit;
mod credentials;
mod oauth;

pub use audit::AuditExport;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::models::TokenRequest;
use crate::token::{ClientAuth, TokenProvider};
use crate::transport::{Repeat, RetryPolicy, Transport};

/// How the client authenticates its `/v1` calls.
#[derive(Clone, Debug)]
enum Auth {
    /// Public endpoints only.
    None,
    /// A token obtained elsewhere.
    Bearer(SecretString),
    /// Client credentials: tokens are fetched, cached and refreshed.
    Credentials(TokenProvider),
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    credentials: Option<(String, ClientAuth, TokenRequest)>,
    bearer: Option<SecretString>,
    refresh_margin: Option<Duration>,
}

impl ClientBuilder {
    /// Authenticate with an agent's client credentials (tokens are cached and refreshed).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        self.credentials = Some((
            client_id.into(),
            ClientAuth::Secret(client_secret.into()),
            TokenRequest::default(),
        ));
        self
    }

    /// Authenticate as the agent `client_id` with `private_key_jwt`: tokens are requested
    /// with assertions signed by `key` (whose public JWK is registered with the agent), then
    /// cached and refreshed.
    #[cfg(feature = "private-key-jwt")]
    pub fn private_key_jwt(mut self, client_id: impl Into<String>, key: crate::PrivateKey) -> Self {
        self.credentials = Some((
            client_id.into(),
            ClientAuth::PrivateKey(key),
            TokenRequest::default(),
        ));
        self
    }

    /// Narrows the tokens the client-credentials provider asks for (scope, resource).
    pub fn token_request(mut self, request: TokenRequest) -> Self {
        if let Some((_, _, r)) = &mut self.credentials {
            *r = request;
        }
        self
    }

    /// Refresh cached tokens this long before they expire (default: a fifth of the lifetime,
    /// at most 60 s).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Authenticate with an access token you already hold.
    pub fn bearer_token(mut self, token: impl Into<SecretString>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy (default: 3 retries, backoff from 200 ms, `Retry-After` up to 30 s).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` sent (default `sentryagent-sdk/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client> {
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let transport = Arc::new(Transport::new(&self.base_url, http, self.retry)?);
        let auth = match (self.credentials, self.bearer) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "choose client credentials or a bearer token, not both".into(),
                ));
            }
            (Some((id, auth, request)), None) => {
                let provider =
                    TokenProvider::with_transport(Arc::clone(&transport), id, auth, request);
                Auth::Credentials(match self.refresh_margin {
                    Some(margin) => provider.with_refresh_margin(margin),
                    None => provider,
                })
            }
            (None, Some(token)) => Auth::Bearer(token),
            (None, None) => Auth::None,
        };
        Ok(Client { transport, auth })
    }
}

/// The AgentIdP API client. Cheap to clone; clones share connections and the token cache.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Arc<Transport>,
    auth: Auth,
}

impl Client {
    /// A builder for the server at `base_url` (e.g. `https://idp.example.com`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            user_agent: concat!("sentryagent-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            credentials: None,
            bearer: None,
            refresh_margin: None,
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        self.transport.base()
    }

    /// The token provider, when the client authenticates with client credentials.
    pub fn token_provider(&self) -> Option<&TokenProvider> {
        match &self.auth {
            Auth::Credentials(p) => Some(p),
            _ => None,
        }
    }

    /// Sends an authenticated `/v1` request. A 401 to a cached token (revoked, or signed by
    /// a key since retired) gets one more try with a fresh token.
    async fn call(
        &self,
        method: Method,
        path: &str,
        repeat: Repeat,
        shape: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response> {
        let request = || self.transport.request(method.clone(), path);
        match &self.auth {
            Auth::None => Err(Error::Config(
                "this endpoint needs credentials: use client_credentials or bearer_token".into(),
            )),
            Auth::Bearer(token) => {
                self.transport
                    .send(repeat, || {
                        shape(request().bearer_auth(token.expose_secret()))
                    })
                    .await
            }
            Auth::Credentials(provider) => {
                let token = provider.token().await?;
                let sent = self
                    .transport
                    .send(repeat, || shape(request().bearer_auth(token.secret())))
                    .await;
                match sent {
                    Err(e) if e.status() == Some(StatusCode::UNAUTHORIZED.as_u16()) => {
                        provider.invalidate(&token);
                        let token = provider.token().await?;
                        self.transport
                            .send(repeat, || shape(request().bearer_auth(token.secret())))
                            .await
                    }
                    other => other,
                }
            }
        }
    }

    /// Adds the caller's authentication to an OAuth introspection or revocation request:
    /// client_secret_basic for an agent with a secret, else a bearer token (the provider's,
    /// for an agent with a key). Without either the server answers `invalid_client`.
    async fn oauth_auth(&self) -> Result<Option<OAuthAuth>> {
        Ok(match &self.auth {
            Auth::Credentials(p) => Some(match p.client_secret() {
                Some(secret) => OAuthAuth::Basic(p.client_id().to_owned(), secret.clone()),
                None => OAuthAuth::Bearer(p.token().await?.secret().to_owned().into()),
            }),
            Auth::Bearer(token) => Some(OAuthAuth::Bearer(token.clone())),
            Auth::None => None,
        })
    }
}

/// How an OAuth introspection or revocation request authenticates.
enum OAuthAuth {
    Basic(String, SecretString),
    Bearer(SecretString),
}

impl OAuthAuth {
    fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Self::Basic(id, secret) => request.basic_auth(id, Some(secret.expose_secret())),
            Self::Bearer(token) => request.bearer_auth(token.expose_secret()),
        }
    }
}

/// A JSON body for `RequestBuilder::json`.
fn with_json<T: Serialize + ?Sized>(body: &T) -> impl Fn(RequestBuilder) -> RequestBuilder + '_ {
    move |r| r.json(body)
}

/// A query string for `RequestBuilder::query`.
fn with_query<T: Serialize + ?Sized>(query: &T) -> impl Fn(RequestBuilder) -> RequestBuilder + '_ {
    move |r| r.query(query)
}

/// No body, no query.
fn plain(r: RequestBuilder) -> RequestBuilder {
    r
}
