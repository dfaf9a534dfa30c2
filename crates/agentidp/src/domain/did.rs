//! `did:web` identifiers and DID documents (W3C DID Core, the did:web method): the server's own
//! DID, carrying its token-signing keys, and one DID per public agent, carrying the agent's
//! registered public keys and where to find its agent card and the token endpoint.

use serde_json::{Value, json};

use super::client_key::ClientKey;
use super::ids::AgentId;
use super::{DomainError, DomainResult};

/// The JSON-LD contexts of every document: DID Core and the JsonWebKey2020 suite.
const CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
];

/// The server's `did:web` identity, derived from its public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidWeb {
    did: String,
    base_url: String,
}

impl DidWeb {
    /// The DID of the server at `public_url`: `did:web:` + the host (a port as `%3A`), then
    /// each path segment after a `:` (`https://example.com:8443/idp` →
    /// `did:web:example.com%3A8443:idp`).
    pub fn from_public_url(public_url: &str) -> DomainResult<Self> {
        let invalid = |why: &str| DomainError::Validation {
            field: "PUBLIC_URL",
            message: format!("cannot derive a did:web identifier: {why}"),
        };
        let base_url = public_url.trim().trim_end_matches('/').to_owned();
        let rest = base_url
            .strip_prefix("https://")
            .or_else(|| base_url.strip_prefix("http://"))
            .ok_or_else(|| {
                invalid("the URL must start with https:// (or http:// in development)")
            })?;
        if rest.contains(['?', '#', '@']) {
            return Err(invalid(
                "the URL must not have a query, a fragment or user information",
            ));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host_ok = !authority.is_empty()
            && authority
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        if !host_ok {
            return Err(invalid(
                "the host must be a DNS name or address, with an optional port",
            ));
        }
        let mut did = format!(
            "did:web:{}",
            authority.to_ascii_lowercase().replace(':', "%3A")
        );
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            if !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
            {
                return Err(invalid("a path segment holds a character a DID cannot"));
            }
            did.push(':');
            did.push_str(segment);
        }
        Ok(Self { did, base_url })
    }

    /// The server's DID.
    pub fn did(&self) -> &str {
        &self.did
    }

    /// The DID of an agent: the server's DID + `:agents:<agentId>`, resolved at
    /// `<PUBLIC_URL>/agents/<agentId>/did.json`.
    pub fn agent_did(&self, agent: AgentId) -> String {
        format!("{}:agents:{agent}", self.did)
    }

    /// `path` under the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The server's DID document: every key of its JWKS (the active one and those whose
    /// tokens may still be live) as a JsonWebKey2020 verification method.
    pub fn server_document(&self, jwks: &Value) -> Value {
        let keys: Vec<&Value> = jwks
            .get("keys")
            .and_then(Value::as_array)
            .map(|keys| keys.iter().collect())
            .unwrap_or_default();
        let methods: Vec<(String, &Value)> = keys
            .into_iter()
            .filter_map(|jwk| {
                let kid = jwk.get("kid").and_then(Value::as_str)?;
                Some((format!("{}#{kid}", self.did), jwk))
            })
            .collect();
        document(&self.did, None, &methods, Vec::new())
    }

    /// An agent's DID document: its public keys as verification methods for
    /// `authentication` and `assertionMethod`, controlled by the server's DID, with service
    /// entries for its A2A agent card and the token endpoint.
    pub fn agent_document(&self, agent: AgentId, keys: &[ClientKey]) -> Value {
        let did = self.agent_did(agent);
        let methods: Vec<(String, &Value)> = keys
            .iter()
            .map(|k| (format!("{did}#{}", k.kid()), k.jwk()))
            .collect();
        let services = vec![
            json!({
                "id": format!("{did}#agent-card"),
                "type": "AgentCard",
                "serviceEndpoint": self.url(&format!("/agents/{agent}/agent-card.json")),
            }),
            json!({
                "id": format!("{did}#oauth2-token"),
                "type": "OAuth2TokenEndpoint",
                "serviceEndpoint": self.url("/oauth2/token"),
            }),
        ];
        document(&did, Some(&self.did), &methods, services)
    }
}

fn document(
    did: &str,
    controller: Option<&str>,
    methods: &[(String, &Value)],
    services: Vec<Value>,
) -> Value {
    let ids: Vec<&str> = methods.iter().map(|(id, _)| id.as_str()).collect();
    let verification: Vec<Value> = methods
        .iter()
        .map(|(id, jwk)| {
            json!({
                "id": id,
                "type": "JsonWebKey2020",
                "controller": controller.unwrap_or(did),
                "publicKeyJwk": jwk,
            })
        })
        .collect();
    let mut doc = json!({
        "@context": CONTEXTS,
        "id": did,
        "verificationMethod": verification,
        "authentication": ids,
        "assertionMethod": ids,
    });
    if let Some(controller) = controller {
        doc["controller"] = json!(controller);
    }
    if !services.is_empty() {
        doc["service"] = Value::Array(services);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_maps_to_its_did_web_with_the_port_encoded_and_path_segments() {
        let cases = [
            ("https://idp.example.com", "did:web:idp.example.com"),
            (
                "https://IdP.example.com:8443/",
                "did:web:idp.example.com%3A8443",
            ),
            (
                "http://127.0.0.1:3000/tenants/acme",
                "did:web:127.0.0.1%3A3000:tenants:acme",
            ),
        ];
        for (url, did) in cases {
            assert_eq!(DidWeb::from_public_url(url).expect(url).did(), did);
        }
        for bad in [
            "ftp://x",
            "https://",
            "https://a.com?x=1",
            "https://u@a.com",
        ] {
            assert!(DidWeb::from_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_agent_did_resolves_under_the_agents_path_and_names_the_server_as_controller() {
        let web = DidWeb::from_public_url("https://idp.example.com").expect("url");
        let agent = AgentId::new();
        let doc = web.agent_document(agent, &[]);
        assert_eq!(doc["id"], format!("did:web:idp.example.com:agents:{agent}"));
        assert_eq!(doc["controller"], "did:web:idp.example.com");
        assert_eq!(
            doc["service"][0]["serviceEndpoint"],
            format!("https://idp.example.com/agents/{agent}/agent-card.json")
        );
    }
}
