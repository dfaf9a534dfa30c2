//! The command line's shape: global options and one subcommand per operation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sentryagent_sdk::models::{AgentId, AgentSkill, AgentStatus, CredentialId, DeploymentEnv};

/// sentryagent: manage AgentIdP agents, credentials, tokens and the audit log.
#[derive(Debug, Parser)]
#[command(name = "sentryagent", version, about, long_about = None)]
pub struct Cli {
    /// Output format: human-readable tables, or JSON for scripts.
    #[arg(long, short, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// The configuration file.
    #[arg(long, global = true, env = "SENTRYAGENT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Tables and `key: value` lines.
    Table,
    /// JSON, one document per command (one per line for `tail-audit-log`).
    Json,
}

/// The operations.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save the API URL and admin client credentials (prompts for what flags and env lack).
    Configure(ConfigureArgs),
    /// Register a new agent.
    RegisterAgent(RegisterArgs),
    /// List the tenant's agents.
    ListAgents(ListArgs),
    /// Show one agent.
    GetAgent(AgentArg),
    /// Change an agent's fields.
    UpdateAgent(UpdateArgs),
    /// Decommission an agent: revokes its credentials; its tokens stop validating.
    DecommissionAgent(ConfirmAgentArg),
    /// List an agent's credentials (never their secrets).
    ListCredentials(AgentArg),
    /// Create a credential: a secret, shown once, or a public key (--key or --jwk).
    CreateCredential(CreateCredentialArgs),
    /// Rotate one credential, or every active credential of an agent.
    RotateCredentials(RotateArgs),
    /// Revoke a credential at once.
    RevokeCredential(RevokeCredentialArgs),
    /// Get an access token for an agent (client credentials: its secret or its private key).
    IssueToken(IssueTokenArgs),
    /// Generate an Ed25519 private key for private_key_jwt and print its public JWK.
    GenerateKey(GenerateKeyArgs),
    /// Show what the server knows about a token (RFC 7662).
    IntrospectToken(TokenArg),
    /// Revoke a token (RFC 7009).
    RevokeToken(TokenArg),
    /// Print new audit events as they happen, until Ctrl+C.
    TailAuditLog(TailArgs),
    /// Print a shell completion script.
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `configure`.
#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// The server's base URL, e.g. http://127.0.0.1:3000.
    #[arg(long, env = "SENTRYAGENT_API_URL")]
    pub api_url: Option<String>,
    /// The admin agent's client id.
    #[arg(long, env = "SENTRYAGENT_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The admin agent's client secret (prefer the prompt or the env variable: flags show up in
    /// the process list).
    #[arg(long, env = "SENTRYAGENT_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Save without checking the credentials against the server.
    #[arg(long)]
    pub no_verify: bool,
}

/// An agent id.
#[derive(Debug, Args)]
pub struct AgentArg {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
}

/// An agent id and a confirmation bypass.
#[derive(Debug, Args)]
pub struct ConfirmAgentArg {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// `register-agent`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Unique e-mail of the agent in the tenant [default: <name as a slug>@agents.invalid].
    #[arg(long)]
    pub email: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// Lower-case type token.
    #[arg(long, default_value = "custom")]
    pub agent_type: String,
    /// Semantic version.
    #[arg(long = "agent-version", default_value = "0.1.0")]
    pub version: String,
    /// The owning team or person.
    #[arg(long, default_value = "unassigned")]
    pub owner: String,
    /// development, staging or production.
    #[arg(long, default_value = "development")]
    pub deployment_env: DeploymentEnv,
    /// A capability token (repeat for several).
    #[arg(long = "capability", value_name = "CAPABILITY")]
    pub capabilities: Vec<String>,
    /// A scope the agent may request (repeat for several).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// An agent allowed to act for this one by delegation (repeat for several).
    #[arg(long = "actor", value_name = "AGENT_ID")]
    pub actors: Vec<String>,
    /// List the agent in the public marketplace.
    #[arg(long)]
    pub public: bool,
    /// Metadata: a JSON object.
    #[arg(long, value_parser = parse_json_object)]
    pub metadata: Option<serde_json::Value>,
    #[command(flatten)]
    pub card: CardArgs,
}

/// The agent-card fields of `register-agent` and `update-agent`.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// Where the agent serves A2A requests (https; "" removes it on update).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Its documentation (https; "" removes it on update).
    #[arg(long)]
    pub documentation_url: Option<String>,
    /// Its icon (https; "" removes it on update).
    #[arg(long)]
    pub icon_url: Option<String>,
    /// Its skills, replacing any: a JSON array of {"id","name","description","tags":[…],"examples"?}.
    #[arg(long, value_parser = parse_skills)]
    pub skills: Option<SkillList>,
}

/// A JSON array of skills, parsed at the command line.
#[derive(Debug, Clone)]
pub struct SkillList(pub Vec<AgentSkill>);

/// `list-agents`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only agents in this state.
    #[arg(long)]
    pub status: Option<AgentStatus>,
    /// Only agents of this type.
    #[arg(long)]
    pub agent_type: Option<String>,
    /// Only agents of this owner.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only agents in this environment.
    #[arg(long)]
    pub deployment_env: Option<DeploymentEnv>,
    /// Only agents with this capability.
    #[arg(long)]
    pub capability: Option<String>,
    /// At most this many agents [default: all].
    #[arg(long)]
    pub limit: Option<u32>,
}

/// `update-agent`: only the flags given are changed.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
    /// New display name.
    #[arg(long)]
    pub name: Option<String>,
    /// New description.
    #[arg(long)]
    pub description: Option<String>,
    /// New type token.
    #[arg(long)]
    pub agent_type: Option<String>,
    /// New semantic version.
    #[arg(long = "agent-version")]
    pub version: Option<String>,
    /// New owner.
    #[arg(long)]
    pub owner: Option<String>,
    /// New environment.
    #[arg(long)]
    pub deployment_env: Option<DeploymentEnv>,
    /// New status: active, suspended or revoked.
    #[arg(long)]
    pub status: Option<AgentStatus>,
    /// Replaces the capabilities (repeat for several).
    #[arg(long = "capability", value_name = "CAPABILITY")]
    pub capabilities: Option<Vec<String>>,
    /// Replaces the allowed scopes (repeat for several).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Option<Vec<String>>,
    /// Replaces the agents allowed to act for this one (repeat for several).
    #[arg(long = "actor", value_name = "AGENT_ID")]
    pub actors: Option<Vec<String>>,
    /// Lists (true) or unlists (false) the agent in the marketplace.
    #[arg(long)]
    pub public: Option<bool>,
    /// Replaces the metadata: a JSON object.
    #[arg(long, value_parser = parse_json_object)]
    pub metadata: Option<serde_json::Value>,
    #[command(flatten)]
    pub card: CardArgs,
}

/// `create-credential`.
#[derive(Debug, Args)]
pub struct CreateCredentialArgs {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
    /// When the secret or key stops working (RFC 3339) [default: never].
    #[arg(long)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    pub public_key: PublicKeyArgs,
}

/// A public key to register, given by its private key or its public JWK.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct PublicKeyArgs {
    /// Register the public part of this PKCS#8 PEM private key (it never leaves this machine).
    #[arg(long, value_name = "PEM_FILE")]
    pub key: Option<std::path::PathBuf>,
    /// Register this public JWK (a JSON file).
    #[arg(long, value_name = "JSON_FILE")]
    pub jwk: Option<std::path::PathBuf>,
}

/// `rotate-credentials`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
    /// Only this credential [default: every active credential of the agent].
    #[arg(long)]
    pub credential_id: Option<CredentialId>,
    /// Seconds the old secrets or keys keep working (0–604800).
    #[arg(long, default_value_t = 0)]
    pub grace_period: u32,
    /// The new key of a public-key credential (needs --credential-id).
    #[command(flatten)]
    pub public_key: PublicKeyArgs,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// `revoke-credential`.
#[derive(Debug, Args)]
pub struct RevokeCredentialArgs {
    /// The agent's id.
    #[arg(long)]
    pub agent_id: AgentId,
    /// The credential's id.
    #[arg(long)]
    pub credential_id: CredentialId,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// `issue-token`.
#[derive(Debug, Args)]
pub struct IssueTokenArgs {
    /// The agent's id (its client id).
    #[arg(long)]
    pub agent_id: AgentId,
    /// The agent's client secret [default: $SENTRYAGENT_AGENT_SECRET, else read from stdin].
    #[arg(long, env = "SENTRYAGENT_AGENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Authenticate with private_key_jwt, signing with this PKCS#8 PEM private key.
    #[arg(long, value_name = "PEM_FILE", conflicts_with = "client_secret")]
    pub private_key: Option<std::path::PathBuf>,
    /// Space-separated scopes [default: every scope the agent may have].
    #[arg(long)]
    pub scope: Option<String>,
    /// The resource the token is for (its audience).
    #[arg(long)]
    pub resource: Option<String>,
}

/// `generate-key`.
#[derive(Debug, Args)]
pub struct GenerateKeyArgs {
    /// Where to write the private key (PKCS#8 PEM, readable by you only).
    #[arg(long, value_name = "PEM_FILE")]
    pub out: std::path::PathBuf,
}

/// A token to inspect or revoke.
#[derive(Debug, Args)]
pub struct TokenArg {
    /// The token [default: read from stdin].
    #[arg(long)]
    pub token: Option<String>,
}

/// `tail-audit-log`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Only events about this agent.
    #[arg(long)]
    pub agent_id: Option<AgentId>,
    /// Only this action, e.g. token.issued.
    #[arg(long)]
    pub action: Option<String>,
    /// Seconds between polls.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub interval: u64,
    /// How many recent events to print first.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub last: u32,
}

fn parse_json_object(s: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err("must be a JSON object, e.g. {\"team\":\"search\"}".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn parse_skills(s: &str) -> Result<SkillList, String> {
    serde_json::from_str(s).map(SkillList).map_err(|e| {
        format!(
            "must be a JSON array of skills, e.g. [{{\"id\":\"forecast\",\"name\":\"Forecast\",\"description\":\"7-day forecast\",\"tags\":[\"weather\"]}}]: {e}"
        )
    })
}
