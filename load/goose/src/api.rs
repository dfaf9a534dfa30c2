//! The parts of the agentidp API the scenarios use: request bodies, response shapes, and plain
//! (unmeasured) calls for preparing a run, such as the token scenario's pool of agents.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use reqwest::Client;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// OAuth client credentials: an agent id and one of its client secrets.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The OAuth `client_id` (the agent id).
    pub id: String,
    /// The client secret (`sk_live_…`).
    pub secret: String,
}

/// The part of a token response (RFC 6749 §5.1) the load test reads.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

/// The part of an agent (`POST /v1/agents` response) the load test reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentResponse {
    /// The agent id, also its OAuth `client_id`.
    pub agent_id: String,
}

/// The part of a credential with its secret (create and rotate responses) the load test reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResponse {
    /// The credential id, used in the rotate path.
    pub credential_id: String,
    /// The OAuth client id (the agent id).
    pub client_id: String,
    /// The client secret, shown only in this response.
    pub client_secret: String,
}

/// The body of `POST /oauth2/token` for the client-credentials grant.
pub const TOKEN_FORM: [(&str, &str); 1] = [("grant_type", "client_credentials")];

/// Path of `POST /v1/agents/{agentId}/credentials`.
pub fn credentials_path(agent_id: &str) -> String {
    format!("/v1/agents/{agent_id}/credentials")
}

/// Path of `POST /v1/agents/{agentId}/credentials/{credentialId}/rotate`.
pub fn rotate_path(agent_id: &str, credential_id: &str) -> String {
    format!("/v1/agents/{agent_id}/credentials/{credential_id}/rotate")
}

/// Counts agents created by this process, so every body gets its own e-mail address.
static AGENT_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A valid `POST /v1/agents` body whose e-mail address is unique across runs: it carries this
/// run's start time, the process id and a counter.
pub fn new_agent_body(kind: &str) -> Value {
    let n = AGENT_COUNTER.fetch_add(1, Ordering::Relaxed);
    json!({
        "email": format!("load-{kind}-{}-{}-{n}@example.com", run_nonce(), std::process::id()),
        "name": format!("Load test {kind} agent {n}"),
        "description": "Created by agentidp-load.",
        "agentType": "load-test",
        "version": "1.0.0",
        "owner": "load-test",
        "deploymentEnv": "development",
        "capabilities": ["weather:forecast"],
        "allowedScopes": ["weather:read"],
    })
}

/// Milliseconds since the Unix epoch when this process first asked: the same for a whole run.
fn run_nonce() -> u64 {
    static NONCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *NONCE.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    })
}

/// A plain HTTP client for the unmeasured preparation calls.
pub fn setup_client() -> Result<Client> {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

/// Reads a successful JSON response as `T`, or fails with its status and body.
async fn read_json<T: DeserializeOwned>(response: reqwest::Response, what: &str) -> Result<T> {
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        bail!("{what}: HTTP {status}: {body}");
    }
    response
        .json()
        .await
        .with_context(|| format!("{what}: unexpected response body"))
}

/// Gets an access token for `client` (client_credentials, `client_secret_basic`).
pub async fn token(http: &Client, base: &str, client: &ClientCredentials) -> Result<String> {
    let response = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&TOKEN_FORM)
        .send()
        .await
        .context("POST /oauth2/token")?;
    let token: TokenResponse = read_json(response, "POST /oauth2/token").await?;
    Ok(token.access_token)
}

/// Registers a new agent and gives it one client secret; returns its credentials.
pub async fn new_agent_with_secret(
    http: &Client,
    base: &str,
    admin_token: &str,
    kind: &str,
) -> Result<ClientCredentials> {
    let response = http
        .post(format!("{base}/v1/agents"))
        .bearer_auth(admin_token)
        .json(&new_agent_body(kind))
        .send()
        .await
        .context("POST /v1/agents")?;
    let agent: AgentResponse = read_json(response, "POST /v1/agents").await?;
    let path = credentials_path(&agent.agent_id);
    let response = http
        .post(format!("{base}{path}"))
        .bearer_auth(admin_token)
        .send()
        .await
        .with_context(|| format!("POST {path}"))?;
    let credential: CredentialResponse = read_json(response, "POST …/credentials").await?;
    Ok(ClientCredentials {
        id: credential.client_id,
        secret: credential.client_secret,
    })
}

/// Creates `count` agents, each with one client secret, for the token scenario.
pub async fn agent_pool(
    base: &str,
    admin: &ClientCredentials,
    count: usize,
) -> Result<Vec<ClientCredentials>> {
    let http = setup_client()?;
    let admin_token = token(&http, base, admin)
        .await
        .context("getting an admin token (are the admin credentials right?)")?;
    let mut pool = Vec::with_capacity(count);
    for _ in 0..count {
        pool.push(new_agent_with_secret(&http, base, &admin_token, "token").await?);
    }
    Ok(pool)
}

/// Checks once, before any scenario runs, that the admin credentials work.
pub async fn check_admin(base: &str, admin: &ClientCredentials) -> Result<()> {
    let http = setup_client()?;
    token(&http, base, admin)
        .await
        .context("the admin credentials do not get a token")?;
    Ok(())
}
