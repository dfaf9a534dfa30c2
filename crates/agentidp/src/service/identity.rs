//! Public identity documents of agents: what an agent's DID document and agent card show,
//! read without authentication, for public agents only.

use serde_json::{Value, json};

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::a2a::{self, CardContext};
use crate::domain::agent::{Agent, AgentStatus};
use crate::domain::client_key::ClientKey;
use crate::domain::credential::CredentialStatus;
use crate::domain::did::DidWeb;
use crate::domain::ids::AgentId;
use crate::domain::jcs;
use crate::domain::time::Timestamp;

/// A public agent, its publisher and the keys it authenticates with.
#[derive(Debug)]
pub struct PublicAgent {
    /// The agent.
    pub agent: Agent,
    /// Its tenant's name.
    pub publisher: String,
    /// Its active, unexpired public keys (current ones, then any in a rotation's grace
    /// period).
    pub keys: Vec<ClientKey>,
}

impl Idp {
    /// The agent `id` if it is public and active. A private, unknown or suspended agent is
    /// `AgentNotFound`, whatever the reason, so that nothing private leaks; a public agent
    /// that was revoked or decommissioned is `AgentGone`.
    pub async fn public_agent(&self, id: AgentId, now: Timestamp) -> ServiceResult<PublicAgent> {
        let (agent, publisher) = self
            .db
            .agent_with_publisher(id)
            .await?
            .filter(|(agent, _)| agent.is_public)
            .ok_or(ServiceError::AgentNotFound)?;
        match agent.status {
            AgentStatus::Active => {}
            AgentStatus::Suspended => return Err(ServiceError::AgentNotFound),
            retired @ (AgentStatus::Revoked | AgentStatus::Decommissioned) => {
                return Err(ServiceError::AgentGone(retired.as_str()));
            }
        }
        let credentials = self.db.list_credentials(agent.tenant_id, id).await?;
        let live = |c: &crate::domain::credential::Credential| {
            c.status == CredentialStatus::Active && c.expires_at.is_none_or(|e| e > now)
        };
        let mut keys: Vec<ClientKey> = credentials
            .iter()
            .filter(|c| live(c))
            .filter_map(|c| c.public_key.clone())
            .collect();
        keys.extend(credentials.iter().filter_map(|c| {
            let in_grace = c.status == CredentialStatus::Active
                && c.previous_expires_at.is_some_and(|until| until > now);
            c.previous_public_key.clone().filter(|_| in_grace)
        }));
        Ok(PublicAgent {
            agent,
            publisher,
            keys,
        })
    }

    /// The A2A agent card of a public agent, signed by this server's active key: a JWS with
    /// a detached payload over the RFC 8785 form of the card without its signatures and
    /// empty values (A2A §8.4), its protected header naming the key (`kid`) and the JWKS
    /// (`jku`). `CardIncomplete` when the agent lacks what A2A requires.
    pub async fn agent_card(
        &self,
        id: AgentId,
        identity: &DidWeb,
        now: Timestamp,
    ) -> ServiceResult<Value> {
        let public = self.public_agent(id, now).await?;
        self.sign_card(&public, identity)
    }

    /// The signed agent card of an agent already read with [`Idp::public_agent`].
    pub fn sign_card(&self, public: &PublicAgent, identity: &DidWeb) -> ServiceResult<Value> {
        if let Some(missing) = a2a::missing_for_card(&public.agent) {
            return Err(ServiceError::CardIncomplete(missing));
        }
        let did = identity.agent_did(public.agent.id);
        let issuer = &self.settings.issuer;
        let context = CardContext {
            publisher: &public.publisher,
            issuer,
            did: &did,
        };
        let mut document = a2a::agent_card(&public.agent, &context);
        let signed = a2a::without_empty(document.clone()).unwrap_or_default();
        let canonical = jcs::canonicalize(&signed);
        let header = json!({"typ": "JOSE", "jku": format!("{issuer}/.well-known/jwks.json")});
        let signer = std::sync::Arc::clone(&self.keys.current().active);
        let (protected, signature) = signer.sign_detached(header, canonical.as_bytes())?;
        document["signatures"] = json!([{"protected": protected, "signature": signature}]);
        Ok(document)
    }
}
