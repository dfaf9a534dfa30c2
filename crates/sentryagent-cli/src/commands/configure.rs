//! `configure`: asks for (or takes from flags and env) the API URL and admin credentials,
//! checks them against the server, and saves them with mode 0600.

use sentryagent_sdk::models::TokenRequest;

use super::{Ctx, client_for};
use crate::cli::ConfigureArgs;
use crate::config::Config;
use crate::error::CliError;
use crate::output;
use crate::prompt;

/// Runs `configure`.
pub async fn run(ctx: &Ctx, args: ConfigureArgs) -> Result<(), CliError> {
    let path = ctx.config_path()?;
    let saved = Config::read(&path)?.unwrap_or_default();
    let or_default = |s: &str, fallback: &str| {
        if s.is_empty() {
            fallback.to_owned()
        } else {
            s.to_owned()
        }
    };
    let api_url = match args.api_url {
        Some(v) => v,
        None => prompt::ask(
            "API URL",
            Some(&or_default(&saved.api_url, "http://127.0.0.1:3000")),
        )?,
    };
    let client_id = match args.client_id {
        Some(v) => v,
        None => prompt::ask("Client ID", Some(&saved.client_id))?,
    };
    let client_secret = match args.client_secret {
        Some(v) => v,
        None => prompt::ask_secret("Client secret")?,
    };
    let config = Config {
        api_url: api_url.trim().trim_end_matches('/').to_owned(),
        client_id: client_id.trim().to_owned(),
        client_secret: client_secret.trim().to_owned(),
    };
    if config.client_id.is_empty() || config.client_secret.is_empty() {
        return Err(CliError::Usage(
            "a client id and a client secret are required".into(),
        ));
    }
    let scope = if args.no_verify {
        None
    } else {
        Some(verify(&config).await?)
    };
    config.save(&path)?;
    let summary = serde_json::json!({
        "configPath": path.display().to_string(),
        "apiUrl": config.api_url,
        "clientId": config.client_id,
        "verified": scope.is_some(),
        "scope": scope,
    });
    output::record(ctx.output, &summary, |_| {
        let mut lines = vec![
            ("saved", path.display().to_string()),
            ("api url", config.api_url.clone()),
        ];
        lines.push(("client id", config.client_id.clone()));
        match &scope {
            Some(scope) => lines.push(("verified", format!("yes (scopes: {scope})"))),
            None => lines.push(("verified", "no (--no-verify)".into())),
        }
        lines
    })
}

/// Gets a token with the credentials, so a typo is caught now; returns the granted scopes.
async fn verify(config: &Config) -> Result<String, CliError> {
    let client = client_for(&config.api_url)?.build()?;
    let secret = config.client_secret.clone().into();
    let token = client
        .issue_token(&config.client_id, &secret, &TokenRequest::default())
        .await?;
    Ok(token.scope)
}
