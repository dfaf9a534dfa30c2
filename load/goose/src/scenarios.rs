//! The three load scenarios as Goose scenarios, and how one of them is run.
//!
//! - `registration`: each user gets an admin token on start, then registers agents.
//! - `tokens`: each user requests tokens for one agent of a pool created before the run.
//! - `rotation`: each user creates its own agent and credential on start, then rotates it.
//!
//! Every request a user makes is measured; a non-2xx status or an unreadable body counts as a
//! failed request.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use goose::client::GooseClientBuilder;
use goose::config::GooseConfiguration;
use goose::prelude::*;

use crate::api::{self, AgentResponse, ClientCredentials, CredentialResponse, TokenResponse};
use crate::user::{
    OwnCredential, admin_token, fail, post, send_json, session, store, token_request,
};

/// One of the load scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Admins register agents (`POST /v1/agents`).
    Registration,
    /// Agents request access tokens (`POST /oauth2/token`).
    Tokens,
    /// Admins rotate credentials (`POST …/credentials/{id}/rotate`).
    Rotation,
}

impl Kind {
    /// Every scenario, in the order a full run takes them.
    pub const ALL: [Kind; 3] = [Kind::Registration, Kind::Tokens, Kind::Rotation];

    /// The scenario's name, as `--scenario` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Registration => "registration",
            Kind::Tokens => "tokens",
            Kind::Rotation => "rotation",
        }
    }

    /// How many users the product spec asks for.
    pub fn default_users(self) -> usize {
        match self {
            Kind::Registration => 100,
            Kind::Tokens => 1000,
            Kind::Rotation => 50,
        }
    }
}

/// How each scenario is run.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Seconds each scenario runs once all its users are up.
    pub duration_secs: usize,
    /// Seconds over which a scenario starts its users.
    pub ramp_secs: f64,
    /// Shortest pause of a user between two iterations.
    pub wait_min: Duration,
    /// Longest pause of a user between two iterations.
    pub wait_max: Duration,
    /// Users for every scenario instead of each scenario's own number.
    pub users: Option<usize>,
    /// Agents the token scenario's users share.
    pub token_agents: usize,
    /// How long one request may take before it counts as failed.
    pub request_timeout: Duration,
}

impl RunSettings {
    /// The number of users `kind` runs with.
    pub fn users_for(&self, kind: Kind) -> usize {
        self.users.unwrap_or_else(|| kind.default_users())
    }
}

/// Runs one scenario against `base_url` and returns Goose's metrics of its steady phase (the
/// metrics are reset once all users are up).
pub async fn run(
    kind: Kind,
    base_url: &str,
    admin: &ClientCredentials,
    settings: &RunSettings,
) -> Result<GooseMetrics> {
    let admin = Arc::new(admin.clone());
    let scenario = match kind {
        Kind::Registration => registration(admin),
        Kind::Tokens => {
            let pool = api::agent_pool(base_url, &admin, settings.token_agents)
                .await
                .context("creating the token scenario's agents")?;
            tokens(Arc::new(pool))
        }
        Kind::Rotation => rotation(admin),
    }
    .set_wait_time(settings.wait_min, settings.wait_max)?;

    let users = settings.users_for(kind);
    let rate = format!("{:.3}", users as f64 / settings.ramp_secs.max(0.001));
    let client = GooseClientBuilder::new()
        .without_cookies()
        .timeout(settings.request_timeout);
    let metrics = GooseAttack::initialize_with_config(GooseConfiguration::default())?
        .register_scenario(scenario)
        .set_client_builder_without_cookies(client)?
        .set_default(GooseDefault::Host, base_url)?
        .set_default(GooseDefault::Users, users)?
        .set_default(GooseDefault::IncreaseRate, rate.as_str())?
        .set_default(GooseDefault::RunTime, settings.duration_secs)?
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::NoPrintMetrics, true)?
        .set_default(GooseDefault::Quiet, 1)?
        .execute()
        .await
        .with_context(|| format!("running the {} scenario", kind.name()))?;
    Ok(metrics)
}

/// `registration`: an admin token on start, then `POST /v1/agents` with a fresh body each time.
fn registration(admin: Arc<ClientCredentials>) -> Scenario {
    let start_admin = Arc::clone(&admin);
    let on_start: TransactionFunction =
        Arc::new(move |user| Box::pin(ensure_admin_token(user, Arc::clone(&start_admin))));
    let register: TransactionFunction =
        Arc::new(move |user| Box::pin(register_agent(user, Arc::clone(&admin))));
    scenario!("registration")
        .register_transaction(
            Transaction::new(on_start)
                .set_name("admin token")
                .set_on_start(),
        )
        .register_transaction(Transaction::new(register).set_name("register agent"))
}

/// `tokens`: each user requests tokens for one agent of `pool` (users spread evenly over it).
fn tokens(pool: Arc<Vec<ClientCredentials>>) -> Scenario {
    let request: TransactionFunction =
        Arc::new(move |user| Box::pin(request_token(user, Arc::clone(&pool))));
    scenario!("tokens").register_transaction(Transaction::new(request).set_name("agent token"))
}

/// `rotation`: each user creates its own agent and credential on start, then rotates it.
fn rotation(admin: Arc<ClientCredentials>) -> Scenario {
    let start_admin = Arc::clone(&admin);
    let on_start: TransactionFunction =
        Arc::new(move |user| Box::pin(ensure_own_credential(user, Arc::clone(&start_admin))));
    let rotate: TransactionFunction =
        Arc::new(move |user| Box::pin(rotate_credential(user, Arc::clone(&admin))));
    scenario!("rotation")
        .register_transaction(
            Transaction::new(on_start)
                .set_name("create agent and credential")
                .set_on_start(),
        )
        .register_transaction(Transaction::new(rotate).set_name("rotate credential"))
}

/// On start of a registration user: get the admin token.
async fn ensure_admin_token(
    user: &mut GooseUser,
    admin: Arc<ClientCredentials>,
) -> TransactionResult {
    admin_token(user, &admin).await.map(|_| ())
}

/// `POST /v1/agents` with a new, valid body.
async fn register_agent(user: &mut GooseUser, admin: Arc<ClientCredentials>) -> TransactionResult {
    let token = admin_token(user, &admin).await?;
    let request = post(user, "/v1/agents", "POST /v1/agents", |builder| {
        builder
            .bearer_auth(token)
            .json(&api::new_agent_body("registration"))
    })?;
    let _: (AgentResponse, _) = send_json(user, request).await?;
    Ok(())
}

/// `POST /oauth2/token` as this user's agent of `pool`.
async fn request_token(
    user: &mut GooseUser,
    pool: Arc<Vec<ClientCredentials>>,
) -> TransactionResult {
    let index = user.weighted_users_index % pool.len().max(1);
    let client = pool
        .get(index)
        .ok_or_else(|| Box::new(TransactionError::Custom("empty agent pool".into())))?;
    let request = token_request(user, client, "POST /oauth2/token")?;
    let _: (TokenResponse, _) = send_json(user, request).await?;
    Ok(())
}

/// On start of a rotation user: its own agent and credential.
async fn ensure_own_credential(
    user: &mut GooseUser,
    admin: Arc<ClientCredentials>,
) -> TransactionResult {
    own_credential(user, &admin).await.map(|_| ())
}

/// An admin token and the rotation user's own credential, which is created first (an agent with
/// `POST /v1/agents`, then `POST …/credentials`, both measured) while the user has none.
async fn own_credential(
    user: &mut GooseUser,
    admin: &ClientCredentials,
) -> Result<(String, OwnCredential), Box<TransactionError>> {
    let token = admin_token(user, admin).await?;
    if let Some(own) = session(user).own {
        return Ok((token, own));
    }
    let request = post(user, "/v1/agents", "POST /v1/agents (setup)", |builder| {
        builder
            .bearer_auth(&token)
            .json(&api::new_agent_body("rotation"))
    })?;
    let (agent, _): (AgentResponse, _) = send_json(user, request).await?;

    let path = api::credentials_path(&agent.agent_id);
    let name = "POST /v1/agents/{agentId}/credentials (setup)";
    let request = post(user, &path, name, |builder| builder.bearer_auth(&token))?;
    let (credential, _): (CredentialResponse, _) = send_json(user, request).await?;

    let own = OwnCredential {
        agent_id: agent.agent_id,
        credential_id: credential.credential_id,
    };
    store(user, |s| s.own = Some(own.clone()));
    Ok((token, own))
}

/// `POST /v1/agents/{agentId}/credentials/{credentialId}/rotate` on the user's own credential;
/// the answer must name the same credential and carry a new secret.
async fn rotate_credential(
    user: &mut GooseUser,
    admin: Arc<ClientCredentials>,
) -> TransactionResult {
    let (token, own) = own_credential(user, &admin).await?;
    let path = api::rotate_path(&own.agent_id, &own.credential_id);
    let name = "POST /v1/agents/{agentId}/credentials/{credentialId}/rotate";
    let request = post(user, &path, name, |builder| builder.bearer_auth(token))?;
    let (rotated, mut metric): (CredentialResponse, _) = send_json(user, request).await?;
    if rotated.credential_id != own.credential_id || rotated.client_secret.is_empty() {
        return Err(fail(
            user,
            &mut metric,
            "rotation answered another credential",
        ));
    }
    Ok(())
}
