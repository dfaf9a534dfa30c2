//! The developer portal and dashboard: server-rendered pages and their scripts and styles,
//! embedded in the binary (no Node build step), under a CSP without `unsafe-inline`.

mod marketplace;
mod pages;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;

/// Scripts and styles come from this origin only; the API is called on this origin only; the
/// portal cannot be framed.
const PORTAL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The portal's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/pricing", get(pages::pricing))
        .route("/sdks", get(pages::sdks))
        .route("/get-started", get(pages::get_started))
        .route("/dashboard", get(pages::dashboard))
        .route("/marketplace", get(marketplace::search_page))
        .route("/marketplace/agents/{id}", get(marketplace::agent))
        .route(
            "/api-explorer",
            get(|| async { Redirect::permanent("/api-docs/") }),
        )
        .route("/portal/assets/{file}", get(asset))
}

/// A portal response: `content_type`, caching, and the portal's CSP.
fn respond(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PORTAL_CSP),
    );
    response
}

/// The answer for a page that is off (the marketplace when `MARKETPLACE_ENABLED` is false):
/// the same 404 as any unknown route.
fn not_found() -> Response {
    crate::http::error::ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint")
        .into_response()
}

/// An HTML page; never cached, since pages show the running configuration.
fn html(body: String) -> Response {
    respond("text/html; charset=utf-8", "no-store", body)
}

/// The embedded assets, by name.
fn embedded(file: &str) -> Option<(&'static str, &'static str)> {
    Some(match file {
        "portal.css" => (
            "text/css; charset=utf-8",
            include_str!("../../../assets/portal/portal.css"),
        ),
        "common.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../../assets/portal/common.js"),
        ),
        "wizard.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../../assets/portal/wizard.js"),
        ),
        "dashboard.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../../assets/portal/dashboard.js"),
        ),
        "agent-editor.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../../assets/portal/agent-editor.js"),
        ),
        "usage.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../../assets/portal/usage.js"),
        ),
        _ => return None,
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    match embedded(&file) {
        Some((content_type, body)) => respond(content_type, "public, max-age=300", body),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
