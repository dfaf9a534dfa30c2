//! The A2A agent card (A2A protocol 1.0) of a public agent, built from the agent and its
//! card fields, and the form of it that this server signs.

use serde_json::{Value, json};

use super::agent::Agent;

/// What the card says beyond the agent's own fields.
#[derive(Debug)]
pub struct CardContext<'a> {
    /// The tenant publishing the agent.
    pub publisher: &'a str,
    /// The server's public URL.
    pub issuer: &'a str,
    /// The agent's DID.
    pub did: &'a str,
}

/// What an agent still lacks for an A2A card (A2A requires an interface, skills and the
/// scopes of its security scheme, which are the agent's capabilities); `None` when complete.
pub fn missing_for_card(agent: &Agent) -> Option<&'static str> {
    if agent.card.endpoint_url.is_none() {
        Some("an endpointUrl")
    } else if agent.card.skills.is_empty() {
        Some("at least one skill")
    } else if agent.capabilities.is_empty() {
        Some("at least one capability (the scopes of its card)")
    } else {
        None
    }
}

/// The A2A 1.0 agent card of an agent, without signatures: its name, description, version,
/// JSON-RPC interface, skills and provider (the tenant), and an OAuth 2.0 security scheme
/// whose client-credentials flow is this server's token endpoint, with the agent's
/// capabilities as its scopes. Call [`missing_for_card`] first.
pub fn agent_card(agent: &Agent, context: &CardContext<'_>) -> Value {
    let card = &agent.card;
    let issuer = context.issuer;
    let scopes: serde_json::Map<String, Value> = agent
        .capabilities
        .iter()
        .map(|c| (c.clone(), json!(format!("use {} of {}", c, agent.name))))
        .collect();
    let mut out = json!({
        "name": agent.name,
        "description": if agent.description.is_empty() { &agent.name } else { &agent.description },
        "version": agent.version,
        "supportedInterfaces": [{
            "url": card.endpoint_url,
            "protocolBinding": "JSONRPC",
            "protocolVersion": "1.0",
        }],
        "provider": {"organization": context.publisher, "url": issuer},
        "capabilities": {},
        "defaultInputModes": ["text/plain", "application/json"],
        "defaultOutputModes": ["text/plain", "application/json"],
        "securitySchemes": {
            "agentidp": {"oauth2SecurityScheme": {
                "description": format!(
                    "Tokens from AgentIdP at {issuer} (client credentials; the agent is {})",
                    context.did
                ),
                "flows": {"clientCredentials": {
                    "tokenUrl": format!("{issuer}/oauth2/token"),
                    "scopes": scopes,
                }},
                "oauth2MetadataUrl": format!("{issuer}/.well-known/oauth-authorization-server"),
            }},
        },
        "securityRequirements": [{"schemes": {"agentidp": {"list": agent.capabilities}}}],
        "skills": card.skills.iter().map(|s| {
            let mut skill = json!({"id": s.id, "name": s.name, "description": s.description, "tags": s.tags});
            if !s.examples.is_empty() {
                skill["examples"] = json!(s.examples);
            }
            skill
        }).collect::<Vec<_>>(),
    });
    if let Some(url) = &card.documentation_url {
        out["documentationUrl"] = json!(url);
    }
    if let Some(url) = &card.icon_url {
        out["iconUrl"] = json!(url);
    }
    out
}

/// `value` without empty strings, arrays and objects (and nulls), at any depth: what A2A
/// signs, RFC 8785-canonicalized (A2A §8.4; the reference SDK drops them before signing and
/// verifying, and the card holds no `false` or `0`, which protobuf JSON would drop too).
pub fn without_empty(value: Value) -> Option<Value> {
    match value {
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(without_empty).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(map) => {
            let kept: serde_json::Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| without_empty(v).map(|v| (k, v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Null => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_dropped_at_every_depth() {
        let v = json!({"a": "", "b": [], "c": {"d": {}}, "e": [1, ""], "f": true});
        assert_eq!(without_empty(v), Some(json!({"e": [1], "f": true})));
    }
}
