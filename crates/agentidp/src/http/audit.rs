//! `/v1/audit/events`: query the tenant's audit log, newest first, or stream it as NDJSON.

use agentidp_proto as wire;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, ApiQuery, Auth};
use super::paging::page_size;
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
pub fn event_body(s: StoredEvent) -> wire::AuditEvent {
    let e = s.event;
    wire::AuditEvent {
        event_id: wire::EventId(e.id),
        tenant_id: wire::TenantId(e.tenant_id.uuid()),
        seq: s.seq,
        timestamp: e.occurred_at.to_datetime(),
        actor: e.actor,
        agent_id: e.agent_id.map(|a| wire::AgentId(a.uuid())),
        action: e.action.as_str().to_owned(),
        outcome: e.outcome.as_str().into(),
        ip: e.meta.ip,
        user_agent: e.meta.user_agent,
        metadata: e.metadata,
        prev_hash: s.prev_hash,
        hash: s.hash,
    }
}

/// Validates the query's filters into the domain's.
fn event_filter(q: &wire::EventFilter) -> Result<EventFilter, ApiError> {
    let action = match &q.action {
        Some(a) => Some(Action::parse(a).ok_or_else(|| {
            let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
            ApiError::validation(
                "action",
                format!("action must be one of: {}", known.join(", ")),
            )
        })?),
        None => None,
    };
    let outcome = match &q.outcome {
        Some(o) => Some(Outcome::parse(o.as_str()).ok_or_else(|| {
            ApiError::validation("outcome", "outcome must be success or failure")
        })?),
        None => None,
    };
    let filter = EventFilter {
        agent_id: q.agent_id.map(|a| AgentId::from_uuid(a.0)),
        actor: q.actor.clone(),
        action,
        outcome,
        from: q.from.map(Timestamp::from_datetime),
        to: q.to.map(Timestamp::from_datetime),
    };
    filter.validate()?;
    Ok(filter)
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
#[utoipa::path(get, path = "/v1/audit/events", tag = "audit", params(wire::EventFilter),
    security(("bearerAuth" = ["audit:read"])),
    responses(
        (status = 200, description = "A page of events (JSON) or every matching event (NDJSON)", content(
            (wire::EventList = "application/json"),
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
    ApiQuery(q): ApiQuery<wire::EventFilter>,
) -> Result<Response, ApiError> {
    let filter = event_filter(&q)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    if wants_ndjson(&headers) {
        state.idp.authorize(&caller, "audit:read").await?;
        return Ok(export(state, caller.tenant_id, filter, after));
    }
    let limit = page_size(q.limit, 50)?;
    let page = state
        .idp
        .list_events(&caller, &filter, after, limit)
        .await?;
    Ok(axum::Json(wire::EventList {
        data: page.events.into_iter().map(event_body).collect(),
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
                        if serde_json::to_writer(&mut chunk, &event_body(event)).is_ok() {
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
        (status = 200, description = "The event", body = wire::AuditEvent),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Missing scope audit:read", body = ErrorBody),
        (status = 404, description = "No such event in the tenant's retention window", body = ErrorBody),
    ))]
async fn get_event(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<wire::AuditEvent>, ApiError> {
    Ok(axum::Json(event_body(
        state.idp.get_event(&caller, id).await?,
    )))
}
