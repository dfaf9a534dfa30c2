//! `issue-token`, `introspect-token`, `revoke-token`.

use sentryagent_sdk::models::TokenRequest;
use sentryagent_sdk::{ExposeSecret, SecretString, TokenProvider};

use super::Ctx;
use crate::cli::{IssueTokenArgs, Output, TokenArg};
use crate::error::CliError;
use crate::output::{self, when};
use crate::prompt;

/// Runs `issue-token`: with `--private-key`, by a client assertion signed with it; otherwise
/// by the agent's secret, from the flag, `SENTRYAGENT_AGENT_SECRET`, or stdin (without echo
/// on a terminal).
pub async fn issue(ctx: &Ctx, args: IssueTokenArgs) -> Result<(), CliError> {
    let api_url = ctx.config()?.api_url;
    let request = TokenRequest {
        scope: args.scope,
        resource: args.resource,
        ..TokenRequest::default()
    };
    let client_id = args.agent_id.to_string();
    let token = if let Some(path) = &args.private_key {
        let key = super::keys::private_key(path)?;
        let provider = TokenProvider::private_key_jwt(&api_url, client_id, key, request)?;
        provider.request_token().await?
    } else {
        let secret: SecretString = match args.client_secret {
            Some(s) => s.into(),
            None => prompt::ask_secret("Agent client secret")?.into(),
        };
        let client = super::client_for(&api_url)?.build()?;
        client.issue_token(&client_id, &secret, &request).await?
    };
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(token.expires_in);
    if ctx.output == Output::Json {
        return output::json(&serde_json::json!({
            "accessToken": token.access_token.expose_secret(),
            "tokenType": token.token_type,
            "expiresIn": token.expires_in,
            "expiresAt": when(Some(expires_at)),
            "scope": token.scope,
        }));
    }
    println!("{}", token.access_token.expose_secret());
    eprintln!(
        "expires: {} (in {} s); scope: {}",
        when(Some(expires_at)),
        token.expires_in,
        if token.scope.is_empty() {
            "-"
        } else {
            &token.scope
        }
    );
    Ok(())
}

fn token_from(arg: TokenArg) -> Result<String, CliError> {
    match arg.token {
        Some(t) => Ok(t),
        None => prompt::ask_secret("Token"),
    }
}

/// Runs `introspect-token`.
pub async fn introspect(ctx: &Ctx, args: TokenArg) -> Result<(), CliError> {
    let client = ctx.client()?;
    let answer = client.introspect_token(&token_from(args)?).await?;
    output::record(ctx.output, &answer, |a| {
        let secs = |t: Option<i64>| when(t.and_then(|s| chrono::DateTime::from_timestamp(s, 0)));
        let mut lines = vec![("active", a.active.to_string())];
        if a.active {
            lines.extend([
                ("subject", a.sub.clone().unwrap_or_default()),
                ("client id", a.client_id.clone().unwrap_or_default()),
                ("scope", a.scope.clone().unwrap_or_default()),
                (
                    "audience",
                    a.aud.as_ref().map(ToString::to_string).unwrap_or_default(),
                ),
                ("issuer", a.iss.clone().unwrap_or_default()),
                ("issued", secs(a.iat)),
                ("expires", secs(a.exp)),
                ("token id", a.jti.clone().unwrap_or_default()),
            ]);
        }
        lines
    })
}

/// Runs `revoke-token`.
pub async fn revoke(ctx: &Ctx, args: TokenArg) -> Result<(), CliError> {
    let client = ctx.client()?;
    client.revoke_token(&token_from(args)?).await?;
    let result = serde_json::json!({ "revoked": true });
    output::record(ctx.output, &result, |_| vec![("revoked", "yes".into())])
}
