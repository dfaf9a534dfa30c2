//! `register-agent`, `list-agents`, `get-agent`, `update-agent`, `decommission-agent`.

use sentryagent_sdk::models::{Agent, AgentFilter, AgentUpdate, NewAgent};

use super::Ctx;
use crate::cli::{AgentArg, ConfirmAgentArg, ListArgs, Output, RegisterArgs, UpdateArgs};
use crate::error::CliError;
use crate::output::{self, list, when};
use crate::prompt;

fn fields(a: &Agent) -> Vec<(&'static str, String)> {
    vec![
        ("agent id", a.agent_id.to_string()),
        ("name", a.name.clone()),
        ("email", a.email.clone()),
        ("description", a.description.clone()),
        ("type", a.agent_type.clone()),
        ("version", a.version.clone()),
        ("owner", a.owner.clone()),
        ("environment", a.deployment_env.to_string()),
        ("status", a.status.to_string()),
        ("public", a.is_public.to_string()),
        ("capabilities", list(&a.capabilities)),
        ("allowed scopes", list(&a.allowed_scopes)),
        (
            "allowed actors",
            list(
                &a.allowed_actors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "metadata",
            serde_json::Value::Object(a.metadata.clone()).to_string(),
        ),
        ("endpoint", or_dash(&a.endpoint_url)),
        ("documentation", or_dash(&a.documentation_url)),
        ("icon", or_dash(&a.icon_url)),
        (
            "skills",
            list(&a.skills.iter().map(|s| s.id.clone()).collect::<Vec<_>>()),
        ),
        ("created", when(Some(a.created_at))),
        ("updated", when(Some(a.updated_at))),
        ("last auth", when(a.last_auth_at)),
    ]
}

/// An optional value, or `-`.
fn or_dash(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".to_owned())
}

/// `<name as a lower-case slug>@agents.invalid`: a unique-looking address under a domain that
/// can never receive mail (RFC 2606).
fn default_email(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!(
        "{}@agents.invalid",
        if slug.is_empty() { "agent" } else { slug }
    )
}

/// Runs `register-agent`.
pub async fn register(ctx: &Ctx, args: RegisterArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let email = args.email.unwrap_or_else(|| default_email(&args.name));
    let agent = NewAgent {
        description: args.description.unwrap_or_default(),
        capabilities: args.capabilities,
        allowed_scopes: args.scopes,
        allowed_actors: args.actors,
        is_public: args.public,
        metadata: args.metadata,
        endpoint_url: args.card.endpoint_url,
        documentation_url: args.card.documentation_url,
        icon_url: args.card.icon_url,
        skills: args.card.skills.map(|s| s.0).unwrap_or_default(),
        ..NewAgent::new(
            email,
            args.name,
            args.agent_type,
            args.version,
            args.owner,
            args.deployment_env,
        )
    };
    let created = client.create_agent(&agent).await?;
    output::record(ctx.output, &created, fields)
}

/// Runs `list-agents`.
pub async fn list_agents(ctx: &Ctx, args: ListArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let mut filter = AgentFilter {
        status: args.status,
        agent_type: args.agent_type,
        owner: args.owner,
        deployment_env: args.deployment_env,
        capability: args.capability,
        limit: args.limit.map(|l| l.clamp(1, 100)),
        cursor: None,
    };
    let mut agents = Vec::new();
    loop {
        let page = client.list_agents(&filter).await?;
        agents.extend(page.data);
        if let Some(max) = args.limit
            && agents.len() >= max as usize
        {
            agents.truncate(max as usize);
            break;
        }
        match page.next_cursor {
            Some(cursor) => filter.cursor = Some(cursor),
            None => break,
        }
    }
    if ctx.output == Output::Json {
        return output::json(&agents);
    }
    if agents.is_empty() {
        eprintln!("No agents.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = agents
        .iter()
        .map(|a| {
            vec![
                a.agent_id.to_string(),
                a.name.clone(),
                a.agent_type.clone(),
                a.deployment_env.to_string(),
                a.status.to_string(),
                a.version.clone(),
                when(Some(a.created_at)),
            ]
        })
        .collect();
    output::table(
        &[
            "AGENT ID", "NAME", "TYPE", "ENV", "STATUS", "VERSION", "CREATED",
        ],
        &rows,
    );
    Ok(())
}

/// Runs `get-agent`.
pub async fn get(ctx: &Ctx, args: AgentArg) -> Result<(), CliError> {
    let agent = ctx.client()?.get_agent(args.agent_id).await?;
    output::record(ctx.output, &agent, fields)
}

/// Runs `update-agent`.
pub async fn update(ctx: &Ctx, args: UpdateArgs) -> Result<(), CliError> {
    let update = AgentUpdate {
        name: args.name,
        description: args.description,
        agent_type: args.agent_type,
        version: args.version,
        owner: args.owner,
        deployment_env: args.deployment_env,
        status: args.status,
        capabilities: args.capabilities,
        allowed_scopes: args.scopes,
        allowed_actors: args.actors,
        is_public: args.public,
        metadata: args.metadata,
        endpoint_url: args.card.endpoint_url,
        documentation_url: args.card.documentation_url,
        icon_url: args.card.icon_url,
        skills: args.card.skills.map(|s| s.0),
    };
    if update.is_empty() {
        return Err(CliError::Usage(
            "nothing to change: pass at least one field, e.g. --name or --status".into(),
        ));
    }
    let agent = ctx.client()?.update_agent(args.agent_id, &update).await?;
    output::record(ctx.output, &agent, fields)
}

/// Runs `decommission-agent`.
pub async fn decommission(ctx: &Ctx, args: ConfirmAgentArg) -> Result<(), CliError> {
    let client = ctx.client()?;
    if !args.yes {
        let agent = client.get_agent(args.agent_id).await?;
        prompt::confirm(&format!(
            "Decommission agent {} ({})? Its credentials are revoked and its tokens stop working; this cannot be undone.",
            agent.name, agent.agent_id
        ))?;
    }
    client.decommission_agent(args.agent_id).await?;
    let result = serde_json::json!({ "agentId": args.agent_id, "status": "decommissioned" });
    output::record(ctx.output, &result, |_| {
        vec![("decommissioned", args.agent_id.to_string())]
    })
}

#[cfg(test)]
mod tests {
    use super::default_email;

    #[test]
    fn the_default_email_is_a_slug_of_the_name_under_a_reserved_domain() {
        assert_eq!(
            default_email("Weather Bot #2"),
            "weather-bot-2@agents.invalid"
        );
        assert_eq!(default_email("  ---  "), "agent@agents.invalid");
    }
}
