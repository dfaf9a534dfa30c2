//! `list-credentials`, `create-credential`, `rotate-credentials`, `revoke-credential`.

use sentryagent_sdk::ExposeSecret;
use sentryagent_sdk::models::{Credential, CredentialType, CredentialWithSecret, RotateOptions};

use super::{Ctx, keys};
use crate::cli::{AgentArg, CreateCredentialArgs, Output, RevokeCredentialArgs, RotateArgs};
use crate::error::CliError;
use crate::output::{self, when};
use crate::prompt;

/// The JSON a script gets for a new secret (the SDK never serializes secrets by itself).
fn secret_json(c: &CredentialWithSecret) -> serde_json::Value {
    let mut value = serde_json::to_value(&c.credential).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("clientId".into(), c.client_id.to_string().into());
        map.insert(
            "clientSecret".into(),
            c.client_secret.expose_secret().into(),
        );
    }
    value
}

fn print_secrets(output: Output, created: &[CredentialWithSecret]) -> Result<(), CliError> {
    if output == Output::Json {
        let all: Vec<_> = created.iter().map(secret_json).collect();
        return match all.as_slice() {
            [one] => output::json(one),
            many => output::json(many),
        };
    }
    for c in created {
        println!("credential id:  {}", c.credential.credential_id);
        println!("client id:      {}", c.client_id);
        println!("client secret:  {}", c.client_secret.expose_secret());
        println!("expires:        {}", when(c.credential.expires_at));
        if let Some(old) = c.credential.previous_secret_expires_at {
            println!("old secret until: {}", when(Some(old)));
        }
    }
    eprintln!("Store the secret now: it is shown only once.");
    Ok(())
}

/// Runs `list-credentials`.
pub async fn list(ctx: &Ctx, args: AgentArg) -> Result<(), CliError> {
    let credentials = ctx.client()?.list_credentials(args.agent_id).await?;
    if ctx.output == Output::Json {
        return output::json(&credentials);
    }
    let rows: Vec<Vec<String>> = credentials
        .iter()
        .map(|c: &Credential| {
            vec![
                c.credential_id.to_string(),
                c.credential_type.to_string(),
                c.status.clone(),
                when(Some(c.created_at)),
                when(c.expires_at),
                when(c.last_used_at),
            ]
        })
        .collect();
    output::table(
        &[
            "CREDENTIAL ID",
            "TYPE",
            "STATUS",
            "CREATED",
            "EXPIRES",
            "LAST USED",
        ],
        &rows,
    );
    Ok(())
}

fn print_key(output: Output, c: &Credential) -> Result<(), CliError> {
    if output == Output::Json {
        return output::json(c);
    }
    println!("credential id:  {}", c.credential_id);
    println!("client id:      {}", c.agent_id);
    println!("key id (kid):   {}", c.kid.as_deref().unwrap_or("-"));
    println!("expires:        {}", when(c.expires_at));
    if let Some(old) = c.previous_secret_expires_at {
        println!("old key until:  {}", when(Some(old)));
    }
    Ok(())
}

/// Runs `create-credential`: a secret, or the public key given.
pub async fn create(ctx: &Ctx, args: CreateCredentialArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    if let Some(jwk) = keys::public_jwk(&args.public_key)? {
        let created = client
            .register_public_key(args.agent_id, jwk, args.expires_at)
            .await?;
        return print_key(ctx.output, &created);
    }
    let created = client
        .create_credential(args.agent_id, args.expires_at)
        .await?;
    print_secrets(ctx.output, &[created])
}

/// Runs `rotate-credentials`: one credential, or every active one of the agent; a public-key
/// credential, one at a time, to the new key given.
pub async fn rotate(ctx: &Ctx, args: RotateArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    if let Some(jwk) = keys::public_jwk(&args.public_key)? {
        let Some(id) = args.credential_id else {
            return Err(CliError::Usage(
                "a new key replaces one credential's key: give --credential-id".into(),
            ));
        };
        let options = RotateOptions {
            grace_period_seconds: i64::from(args.grace_period),
            ..RotateOptions::default()
        };
        let rotated = client
            .rotate_public_key(args.agent_id, id, jwk, &options)
            .await?;
        return print_key(ctx.output, &rotated);
    }
    let targets = match args.credential_id {
        Some(id) => vec![id],
        None => client
            .list_credentials(args.agent_id)
            .await?
            .into_iter()
            // Keys rotate one at a time, to a key given.
            .filter(|c| c.status == "active" && c.credential_type == CredentialType::ClientSecret)
            .map(|c| c.credential_id)
            .collect(),
    };
    if targets.is_empty() {
        return Err(CliError::Usage(format!(
            "agent {} has no active credential to rotate",
            args.agent_id
        )));
    }
    if !args.yes {
        let old = if args.grace_period == 0 {
            "The current secrets stop working at once.".to_owned()
        } else {
            format!(
                "The current secrets keep working for {} s.",
                args.grace_period
            )
        };
        prompt::confirm(&format!(
            "Rotate {} credential(s) of agent {}? {old}",
            targets.len(),
            args.agent_id
        ))?;
    }
    let options = RotateOptions {
        grace_period_seconds: i64::from(args.grace_period),
        ..RotateOptions::default()
    };
    let mut rotated = Vec::new();
    for id in targets {
        rotated.push(
            client
                .rotate_credential(args.agent_id, id, &options)
                .await?,
        );
    }
    print_secrets(ctx.output, &rotated)
}

/// Runs `revoke-credential`.
pub async fn revoke(ctx: &Ctx, args: RevokeCredentialArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    if !args.yes {
        prompt::confirm(&format!(
            "Revoke credential {} of agent {}? Its secret stops working at once.",
            args.credential_id, args.agent_id
        ))?;
    }
    client
        .revoke_credential(args.agent_id, args.credential_id)
        .await?;
    let result = serde_json::json!({ "credentialId": args.credential_id, "status": "revoked" });
    output::record(ctx.output, &result, |_| {
        vec![("revoked", args.credential_id.to_string())]
    })
}
