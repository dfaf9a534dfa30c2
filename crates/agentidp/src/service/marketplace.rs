//! The public marketplace: searching the public, active agents of every tenant, and one
//! agent's public page (its DID document and signed agent card), without authentication.

use serde_json::Value;

use super::identity::PublicAgent;
use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::Agent;
use crate::domain::did::DidWeb;
use crate::domain::ids::AgentId;
use crate::domain::marketplace::Search;
use crate::domain::time::Timestamp;

/// A public agent as listed, with the name of the tenant that publishes it.
#[derive(Debug)]
pub struct Listing {
    /// The agent.
    pub agent: Agent,
    /// Its tenant's name.
    pub publisher: String,
}

/// One page of search results.
#[derive(Debug)]
pub struct ListingPage {
    /// The agents of this page, in id (registration) order.
    pub listings: Vec<Listing>,
    /// The last agent of the page when more follow.
    pub next: Option<AgentId>,
}

/// One agent's marketplace page.
#[derive(Debug)]
pub struct AgentPage {
    /// The agent, its publisher and keys.
    pub public: PublicAgent,
    /// Its DID document.
    pub did_document: Value,
    /// Its signed A2A agent card, when it has what a card needs.
    pub agent_card: Option<Value>,
}

impl Idp {
    /// Public, active agents matching `search`, after `after`, at most `limit`.
    pub async fn search_marketplace(
        &self,
        search: &Search,
        after: Option<AgentId>,
        limit: u32,
    ) -> ServiceResult<ListingPage> {
        let mut rows = self.db.search_marketplace(search, after, limit + 1).await?;
        let next = super::cut_page(&mut rows, limit, |(agent, _)| agent.id);
        let listings = rows
            .into_iter()
            .map(|(agent, publisher)| Listing { agent, publisher })
            .collect();
        Ok(ListingPage { listings, next })
    }

    /// A public agent's marketplace page: answers as [`Idp::public_agent`] does for agents
    /// that are not public and active.
    pub async fn marketplace_agent(
        &self,
        id: AgentId,
        identity: &DidWeb,
        now: Timestamp,
    ) -> ServiceResult<AgentPage> {
        let public = self.public_agent(id, now).await?;
        let did_document = identity.agent_document(id, &public.keys);
        let agent_card = match self.sign_card(&public, identity) {
            Ok(card) => Some(card),
            Err(ServiceError::CardIncomplete(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(AgentPage {
            public,
            did_document,
            agent_card,
        })
    }
}
