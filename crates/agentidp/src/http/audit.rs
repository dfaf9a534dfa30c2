//! `/v1/audit/events`: query the tenant's audit log, newest first, or stream it as NDJSON.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::audit::{Action, EventFilter, Outcome, StoredEvent};
use crate::domain::ids::AgentId;
use crate::domain::time::Timestamp;

/// NDJSON media type: one JSON event per line.
pub const NDJSON: &str = "application/x-ndjson";
/// Events fetched per round trip while streaming an export.
const EXPORT_PAGE: u32 = 500;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
}

/// An audit event as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventResponse {
    event_id: Uuid,
    tenant_id: Uuid,
    /// Position in the tenant's hash chain.
    seq: i64,
    /// When it happened (RFC 3339, UTC).
    #[schema(value_type = String, format = DateTime)]
    timestamp: Timestamp,
    /// Who acted: an agent id, `system`, `operator`, `signup`, or the presented client id.
    actor: String,
    /// The agent acted upon.
    agent_id: Option<Uuid>,
    #[schema(example = "agent.created")]
    action: &'static str,
    /// `success` or `failure`.
    outcome: &'static str,
    ip: Option<String>,
    user_agent: Option<String>,
    #[schema(value_type = Object)]
    metadata: Map<String, Value>,
    /// The previous event's `hash` (64 zeros before the first event).
    prev_hash: String,
    /// SHA-256 (hex) over `prevHash` and this event's canonical encoding; with an audit chain
    /// key, `hmac-sha256:<key id>:<hex>`, the HMAC-SHA-256 of the same under that key.
    hash: String,
}

impl From<StoredEvent> for EventResponse {
    fn from(s: StoredEvent) -> Self {
        let e = s.event;
        Self {
            event_id: e.id,
            tenant_id: e.tenant_id.uuid(),
            seq: s.seq,
            timestamp: e.occurred_at,
            actor: e.actor,
            agent_id: e.agent_id.map(AgentId::uuid),
            action: e.action.as_str(),
            outcome: e.outcome.as_str(),
            ip: e.meta.ip,
            user_agent: e.meta.user_agent,
            metadata: e.metadata,
            prev_hash: s.prev_hash,
            hash: s.hash,
        }
    }
}

/// One page of events.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    data: Vec<EventResponse>,
    next_cursor: Option<String>,
}

/// Filters and paging of `GET /v1/audit/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events about this agent.
    agent_id: Option<Uuid>,
    /// Only events by this actor.
    actor: Option<String>,
    /// Only this action, e.g. `token.issued`.
    action: Option<String>,
    /// `success` or `failure`.
    outcome: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<Timestamp>,
    /// Only events at or before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<Timestamp>,
    /// Page size, 1–100 (default 50). Ignored by NDJSON exports.
    limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

impl EventQuery {
    fn filter(&self) -> Result<EventFilter, ApiError> {
        let action = match &self.action {
            Some(a) => Some(Action::parse(a).ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                ApiError::validation(
                    "action",
                    format!("action must be one of: {}", known.join(", ")),
                )
            })?),
            None => None,
        };
        let outcome = match &self.outcome {
            Some(o) => Some(Outcome::parse(o).ok_or_else(|| {
                ApiError::validation("outcome", "outcome must be success or failure")
            })?),
            None => None,
        };
        let filter = EventFilter {
            agent_id: self.agent_id.map(AgentId::from_uuid),
            actor: self.actor.clone(),
            action,
            outcome,
            from: self.from,
            to: self.to,
        };
        filter.validate()?;
        Ok(filter)
    }
}

/// A page cursor: the chain position of the last event sent, as 8 big-endian bytes in
/// base64url.
fn encode_cursor(seq: i64) -> String {
    B64.encode(seq.to_be_bytes())
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    B64.decode(cursor)
        .ok()
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map(i64::from_be_bytes)
        .filter(|seq| *seq > 0)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_CURSOR",
                "cursor is not one this server issued",
            )
        })
}

fn wants_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(NDJSON))
}

/// Query the audit log (newest first). With `Accept: application/x-ndjson` every matching
/// event is streamed oldest first, one JSON object per line, without paging.
#[utoipa::path(get, path = "/v1/audit/events", tag = "audit", params(EventQuery),
    security(("bearerAuth" = ["audit:read"])),
    responses(
        (status = 200, description = "A page of events (JSON) or every matching event (NDJSON)", content(
            (EventList = "application/json"),
            (String = "application/x-ndjson"),
        )),
        (status = 400, description = "Bad date, range, action, outcome, limit or cursor", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope audit:read", body = ErrorBody),
    ))]
async fn list_events(
    State(state): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Response, ApiError> {
    let filter = q.filter()?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    if wants_ndjson(&headers) {
        state.idp.authorize(&caller, "audit:read").await?;
        return Ok(export(state, caller.tenant_id, filter, after));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            "limit must be between 1 and 100",
        ));
    }
    let page = state
        .idp
        .list_events(&caller, &filter, after, limit)
        .await?;
    Ok(axum::Json(EventList {
        data: page.events.into_iter().map(EventResponse::from).collect(),
        next_cursor: page.next.map(encode_cursor),
    })
    .into_response())
}

/// Streams events page by page, so memory stays bounded whatever the log's size.
fn export(
    state: AppState,
    tenant: crate::domain::ids::TenantId,
    filter: EventFilter,
    after: Option<i64>,
) -> Response {
    let stream = futures_util::stream::unfold(Some(after), move |cursor| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let after = cursor?;
            match state
                .idp
                .export_page(tenant, &filter, after, EXPORT_PAGE)
                .await
            {
                Ok(page) if page.is_empty() => None,
                Ok(page) => {
                    let next = page.last().map(|e| e.seq);
                    let mut chunk = Vec::with_capacity(page.len() * 512);
                    for event in page {
                        if serde_json::to_writer(&mut chunk, &EventResponse::from(event)).is_ok() {
                            chunk.push(b'\n');
                        }
                    }
                    Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), Some(next)))
                }
                Err(e) => {
                    tracing::error!(error = %crate::error_chain(&e), "audit export failed mid-stream");
                    Some((Err(std::io::Error::other("audit export failed")), None))
                }
            }
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    response
}

/// Read one audit event.
#[utoipa::path(get, path = "/v1/audit/events/{eventId}", tag = "audit",
    params(("eventId" = Uuid, Path, description = "Event id")),
    security(("bearerAuth" = ["audit:read"])),
    responses(
        (status = 200, description = "The event", body = EventResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope audit:read", body = ErrorBody),
        (status = 404, description = "No such event in the tenant's retention window", body = ErrorBody),
    ))]
async fn get_event(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<EventResponse>, ApiError> {
    Ok(axum::Json(state.idp.get_event(&caller, id).await?.into()))
}
