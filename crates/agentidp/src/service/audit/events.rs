//! The audit log's queries for a tenant (list, one event, export pages) and the retention
//! purge, all bounded by the retention window.

use uuid::Uuid;

use crate::domain::audit::{EventFilter, StoredEvent};
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::domain::token::Principal;
use crate::service::{Idp, ServiceError, ServiceResult};
use crate::store::Order;

/// A page of events, newest first.
#[derive(Debug)]
pub struct EventPage {
    /// The events.
    pub events: Vec<StoredEvent>,
    /// Where the next page starts: the chain position of the last event of this one.
    pub next: Option<i64>,
}

impl Idp {
    /// The oldest event time the query API shows (the retention window).
    fn retention_start(&self) -> Timestamp {
        Timestamp::now().plus_seconds(-i64::from(self.settings.audit_retention_days) * 86_400)
    }

    /// Lists the caller's tenant's events, newest first.
    pub async fn list_events(
        &self,
        caller: &Principal,
        filter: &EventFilter,
        after: Option<i64>,
        limit: u32,
    ) -> ServiceResult<EventPage> {
        self.authorize(caller, "audit:read").await?;
        filter.validate()?;
        let mut events = self
            .db
            .list_events(
                caller.tenant_id,
                filter,
                self.retention_start(),
                after,
                Order::NewestFirst,
                limit + 1,
            )
            .await?;
        let next = crate::service::cut_page(&mut events, limit, |e| e.seq);
        Ok(EventPage { events, next })
    }

    /// One event of the caller's tenant, within the retention window.
    pub async fn get_event(&self, caller: &Principal, id: Uuid) -> ServiceResult<StoredEvent> {
        self.authorize(caller, "audit:read").await?;
        match self.db.get_event(caller.tenant_id, id).await? {
            Some(e) if e.event.occurred_at >= self.retention_start() => Ok(e),
            _ => Err(ServiceError::EventNotFound),
        }
    }

    /// A page of events oldest first, for exports; `after` is the chain position of the last
    /// event already sent.
    pub async fn export_page(
        &self,
        tenant: TenantId,
        filter: &EventFilter,
        after: Option<i64>,
        limit: u32,
    ) -> ServiceResult<Vec<StoredEvent>> {
        Ok(self
            .db
            .list_events(
                tenant,
                filter,
                self.retention_start(),
                after,
                Order::OldestFirst,
                limit,
            )
            .await?)
    }

    /// Deletes events older than the retention window in every chain, keeping each chain
    /// verifiable through a checkpoint. Returns how many events were removed.
    pub async fn purge_expired_events(&self) -> ServiceResult<u64> {
        let cutoff = self.retention_start();
        let mut total = 0;
        for tenant in self.db.audit_chains().await? {
            total += self
                .db
                .purge_events(tenant, cutoff, Timestamp::now())
                .await?;
        }
        Ok(total)
    }
}
