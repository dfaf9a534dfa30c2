//! `/v1/agents`: register, list, read, update and decommission agents.

use reqwest::Method;

use super::{Client, plain, with_json, with_query};
use crate::error::Result;
use crate::models::{Agent, AgentFilter, AgentId, AgentList, AgentUpdate, NewAgent, Usage};
use crate::transport::{Repeat, json};

impl Client {
    /// Registers an agent (`agents:write`).
    pub async fn create_agent(&self, agent: &NewAgent) -> Result<Agent> {
        let r = self
            .call(
                Method::POST,
                "/v1/agents",
                Repeat::OnlyWhenRefused,
                with_json(agent),
            )
            .await?;
        json(r).await
    }

    /// One page of the tenant's agents, oldest first (`agents:read`).
    pub async fn list_agents(&self, filter: &AgentFilter) -> Result<AgentList> {
        let r = self
            .call(Method::GET, "/v1/agents", Repeat::Safe, with_query(filter))
            .await?;
        json(r).await
    }

    /// Every agent that matches `filter`, following the cursors.
    pub async fn list_all_agents(&self, filter: &AgentFilter) -> Result<Vec<Agent>> {
        let mut filter = filter.clone();
        let mut all = Vec::new();
        loop {
            let page = self.list_agents(&filter).await?;
            all.extend(page.data);
            match page.next_cursor {
                Some(cursor) => filter.cursor = Some(cursor),
                None => return Ok(all),
            }
        }
    }

    /// One agent (`agents:read`).
    pub async fn get_agent(&self, id: AgentId) -> Result<Agent> {
        let path = format!("/v1/agents/{id}");
        json(self.call(Method::GET, &path, Repeat::Safe, plain).await?).await
    }

    /// Changes the fields set in `update` (`agents:write`).
    pub async fn update_agent(&self, id: AgentId, update: &AgentUpdate) -> Result<Agent> {
        let path = format!("/v1/agents/{id}");
        let r = self
            .call(
                Method::PATCH,
                &path,
                Repeat::OnlyWhenRefused,
                with_json(update),
            )
            .await?;
        json(r).await
    }

    /// Decommissions an agent: its credentials are revoked and its tokens stop validating;
    /// the record stays for the audit trail (`agents:write`).
    pub async fn decommission_agent(&self, id: AgentId) -> Result<()> {
        let path = format!("/v1/agents/{id}");
        self.call(Method::DELETE, &path, Repeat::Safe, plain)
            .await?;
        Ok(())
    }

    /// The tenant's usage this month against its limits (`agents:read`).
    pub async fn usage(&self) -> Result<Usage> {
        json(
            self.call(Method::GET, "/v1/billing/usage", Repeat::Safe, plain)
                .await?,
        )
        .await
    }
}
