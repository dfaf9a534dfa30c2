//! `/v1/audit/events`: read, page and export the tenant's audit log.

use reqwest::{Method, Response, header};

use super::{Client, plain, with_query};
use crate::error::{Error, Result};
use crate::models::{AuditEvent, EventFilter, EventId, EventList};
use crate::transport::{Repeat, json};

impl Client {
    /// One page of events, newest first (`audit:read`).
    pub async fn list_audit_events(&self, filter: &EventFilter) -> Result<EventList> {
        let r = self
            .call(
                Method::GET,
                "/v1/audit/events",
                Repeat::Safe,
                with_query(filter),
            )
            .await?;
        json(r).await
    }

    /// One event (`audit:read`).
    pub async fn get_audit_event(&self, id: EventId) -> Result<AuditEvent> {
        let path = format!("/v1/audit/events/{id}");
        json(self.call(Method::GET, &path, Repeat::Safe, plain).await?).await
    }

    /// Every event matching `filter` as NDJSON, read as it arrives (never all in memory).
    pub async fn export_audit_events(&self, filter: &EventFilter) -> Result<AuditExport> {
        let response = self
            .call(Method::GET, "/v1/audit/events", Repeat::Safe, |r| {
                r.query(filter)
                    .header(header::ACCEPT, "application/x-ndjson")
            })
            .await?;
        Ok(AuditExport {
            response,
            buffer: Vec::new(),
            done: false,
        })
    }
}

/// A streaming NDJSON export: call [`next`](Self::next) until it returns `None`.
#[derive(Debug)]
pub struct AuditExport {
    response: Response,
    buffer: Vec<u8>,
    done: bool,
}

impl AuditExport {
    /// The next event, or `None` at the end of the export.
    pub async fn next(&mut self) -> Option<Result<AuditEvent>> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                if line.trim_ascii().is_empty() {
                    continue;
                }
                return Some(parse(&line));
            }
            if self.done {
                let rest = std::mem::take(&mut self.buffer);
                return (!rest.trim_ascii().is_empty()).then(|| parse(&rest));
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    self.buffer.clear();
                    return Some(Err(Error::transport(&e)));
                }
            }
        }
    }
}

fn parse(line: &[u8]) -> Result<AuditEvent> {
    serde_json::from_slice(line).map_err(|e| Error::Decode(e.to_string()))
}
