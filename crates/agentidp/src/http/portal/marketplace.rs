//! The public marketplace pages: search and an agent's page, rendered on the server from the
//! same use cases as `/v1/marketplace` (no script needed to read them; links can be shared),
//! and 404 like every marketplace route when `MARKETPLACE_ENABLED` is off.

use agentidp_proto as wire;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::escape;
use super::pages::{page, render};
use crate::AppState;
use crate::http::error::ApiError;
use crate::http::marketplace::{agent_page, search};

/// Results per page of the search page.
const PAGE_SIZE: u32 = 20;

/// The search form's fields, as the browser sends them (empty fields are absent filters).
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    capability: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    cursor: String,
}

/// `Some(trimmed)` unless blank.
fn present(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// `GET /marketplace`: the search form and one page of results.
pub async fn search_page(
    State(state): State<AppState>,
    Query(form): Query<SearchForm>,
) -> Response {
    if state.identity.is_none() {
        return super::not_found();
    }
    let filter = wire::MarketplaceFilter {
        q: present(&form.q),
        capability: present(&form.capability),
        publisher: present(&form.publisher),
        limit: Some(PAGE_SIZE),
        cursor: present(&form.cursor),
    };
    let (status, results) = match search(&state, filter).await {
        Ok(list) => (StatusCode::OK, results_html(&list, &form)),
        Err(e) => (e.status(), error_html(&e)),
    };
    let main = render(
        include_str!("../../../assets/portal/marketplace.html"),
        &[
            ("q", form.q.clone()),
            ("capability", form.capability.clone()),
            ("publisher", form.publisher.clone()),
        ],
        &[("results", &results)],
    );
    with_status(
        status,
        page(&state, "/marketplace", "Marketplace · AgentIdP", &main, &[]),
    )
}

fn with_status(status: StatusCode, response: Response) -> Response {
    (status, response).into_response()
}

fn error_html(error: &ApiError) -> String {
    format!(
        r#"<p class="error" role="alert">{}</p>"#,
        escape(error.message())
    )
}

/// The result list, its count and the link to the next page (filters kept).
fn results_html(list: &wire::MarketplaceList, form: &SearchForm) -> String {
    if list.data.is_empty() {
        let text = if form.cursor.is_empty() {
            "No public agent matches. Try fewer words or another capability."
        } else {
            "No more agents match."
        };
        return format!(r#"<p role="status">{text}</p>"#);
    }
    let mut out = String::from(r#"<ul class="listing" aria-label="Agents">"#);
    for agent in &list.data {
        out.push_str(&listing_html(agent));
    }
    out.push_str("</ul>");
    if let Some(cursor) = &list.next_cursor {
        let query: String = [
            ("q", form.q.as_str()),
            ("capability", &form.capability),
            ("publisher", &form.publisher),
            ("cursor", cursor),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}&", utf8_percent_encode(v.trim(), NON_ALPHANUMERIC)))
        .collect();
        out.push_str(&format!(
            r#"<p><a class="button" rel="next" href="/marketplace?{}">Next page</a></p>"#,
            escape(query.trim_end_matches('&'))
        ));
    }
    out
}

/// One search result.
fn listing_html(agent: &wire::MarketplaceAgent) -> String {
    let skills = if agent.skills.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = agent.skills.iter().map(|s| s.name.as_str()).collect();
        format!("<p>Skills: {}</p>", escape(&names.join(", ")))
    };
    format!(
        r#"<li><article><h2><a href="/marketplace/agents/{id}">{name}</a></h2><p class="byline">by {publisher} · version {version}</p><p>{description}</p>{tags}{skills}</article></li>"#,
        id = agent.agent_id.0,
        name = escape(&agent.name),
        publisher = escape(&agent.publisher),
        version = escape(&agent.version),
        description = escape(&agent.description),
        tags = tags_html(&agent.capabilities),
    )
}

fn tags_html(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let items: String = tags
        .iter()
        .map(|t| format!("<li>{}</li>", escape(t)))
        .collect();
    format!(r#"<ul class="tags" aria-label="Capabilities">{items}</ul>"#)
}

/// `GET /marketplace/agents/{agentId}`: an agent's public page, DID, documents and how to
/// call it; 404 (or 410 for a retired agent) as the API answers.
pub async fn agent(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if state.identity.is_none() {
        return super::not_found();
    }
    let result = match Uuid::parse_str(&id) {
        Ok(id) => agent_page(&state, id).await,
        Err(_) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such public agent",
        )),
    };
    match result {
        Ok(found) => {
            let main = agent_html(&found, &state.config.issuer());
            page(
                &state,
                "/marketplace",
                &format!("{} · Marketplace · AgentIdP", found.agent.name),
                &main,
                &["common.js"],
            )
        }
        Err(e) => {
            let heading = if e.status() == StatusCode::GONE {
                "This agent has been retired"
            } else {
                "Not in the marketplace"
            };
            let main = format!(
                r#"<h1>{heading}</h1>{}<p><a href="/marketplace">Search the marketplace</a></p>"#,
                error_html(&e)
            );
            with_status(
                e.status(),
                page(&state, "/marketplace", "Marketplace · AgentIdP", &main, &[]),
            )
        }
    }
}

/// A JSON document, pretty-printed for reading (the served document is the one to verify).
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn link(url: Option<&str>) -> String {
    match url {
        Some(url) => format!(r#"<a href="{0}" rel="nofollow">{0}</a>"#, escape(url)),
        None => "-".to_owned(),
    }
}

/// The agent page's body.
fn agent_html(found: &wire::MarketplaceAgentPage, issuer: &str) -> String {
    let agent = &found.agent;
    let skills: String = agent
        .skills
        .iter()
        .map(|s| {
            let examples: String = s
                .examples
                .iter()
                .map(|e| format!("<li>{}</li>", escape(e)))
                .collect();
            let examples = if examples.is_empty() {
                String::new()
            } else {
                format!(r#"<p>Examples:</p><ul>{examples}</ul>"#)
            };
            format!(
                r#"<li><h3>{} <code>{}</code></h3><p>{}</p>{}{examples}</li>"#,
                escape(&s.name),
                escape(&s.id),
                escape(&s.description),
                tags_html(&s.tags)
            )
        })
        .collect();
    let (card, card_url) = match (&found.agent_card, &agent.agent_card_url) {
        (Some(card), Some(url)) => (pretty(card), url.clone()),
        _ => (String::new(), String::new()),
    };
    render(
        include_str!("../../../assets/portal/marketplace-agent.html"),
        &[
            ("name", agent.name.clone()),
            ("description", agent.description.clone()),
            ("publisher", agent.publisher.clone()),
            ("version", agent.version.clone()),
            ("agent_type", agent.agent_type.clone()),
            ("capabilities", agent.capabilities.join(", ")),
            ("listed", agent.created_at.format("%Y-%m-%d").to_string()),
            ("did", agent.did.clone()),
            ("did_url", agent.did_document_url.clone()),
            ("did_document", pretty(&found.did_document)),
            ("card_url", card_url.clone()),
            ("card", card),
            ("card_hidden", hidden(card_url.is_empty())),
            ("no_card_hidden", hidden(!card_url.is_empty())),
            ("endpoint", agent.endpoint_url.clone().unwrap_or_default()),
            ("token_endpoint", format!("{issuer}/oauth2/token")),
            ("jwks", format!("{issuer}/.well-known/jwks.json")),
        ],
        &[
            ("endpoint_link", &link(agent.endpoint_url.as_deref())),
            (
                "documentation_link",
                &link(agent.documentation_url.as_deref()),
            ),
            ("skills", &skills),
        ],
    )
}

fn hidden(yes: bool) -> String {
    if yes { "hidden" } else { "" }.to_owned()
}
