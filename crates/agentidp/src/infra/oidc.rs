//! Fetching an OIDC issuer's signing keys: its discovery document
//! (`{issuer}/.well-known/openid-configuration`), then the JWK set at its `jwks_uri`. Bounded:
//! a 5 s timeout, no redirects, 64 KiB per document, https unless the issuer is one the
//! operator lists as insecure (tests with a local issuer).

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// Largest discovery document or key set read.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// What went wrong fetching an issuer's keys; the text names the step, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(String);

/// A client for issuers' discovery documents and key sets.
#[derive(Debug, Clone)]
pub struct OidcClient {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<Value>,
}

impl OidcClient {
    /// A client that follows no redirects and gives up after 5 s.
    pub fn new() -> Result<Self, FetchError> {
        reqwest::Client::builder()
            .user_agent(concat!("agentidp/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map(|http| Self { http })
            .map_err(|e| FetchError(format!("HTTP client: {e}")))
    }

    /// The JWKs `issuer` publishes (each still to be parsed). `secure_only`: refuse a
    /// `jwks_uri` that is not https.
    pub async fn keys(&self, issuer: &str, secure_only: bool) -> Result<Vec<Value>, FetchError> {
        let url = format!("{issuer}/.well-known/openid-configuration");
        let discovery: Discovery = self.document(&url).await?;
        if discovery.issuer.trim_end_matches('/') != issuer {
            return Err(FetchError(format!(
                "the discovery document of {issuer} names another issuer"
            )));
        }
        if secure_only && !discovery.jwks_uri.starts_with("https://") {
            return Err(FetchError(format!("the jwks_uri of {issuer} is not https")));
        }
        let set: KeySet = self.document(&discovery.jwks_uri).await?;
        Ok(set.keys)
    }

    async fn document<T: for<'de> Deserialize<'de>>(&self, url: &str) -> Result<T, FetchError> {
        let fail = |what: &str| FetchError(format!("{url}: {what}"));
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(&e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(fail(&format!("answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fail(&e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(fail("the document is larger than 64 KiB"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|_| fail("not the JSON document expected"))
    }
}
