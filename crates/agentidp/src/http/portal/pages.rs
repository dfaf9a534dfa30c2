//! The portal's pages: one shared layout, page bodies from embedded HTML with `{{name}}`
//! placeholders filled with escaped values from the running configuration.

use axum::extract::State;
use axum::response::Response;

use super::{escape, html};
use crate::AppState;

const LAYOUT: &str = include_str!("../../../assets/portal/layout.html");

/// The navigation entries: path and label.
const NAV: [(&str, &str); 6] = [
    ("/", "Home"),
    ("/get-started", "Get started"),
    ("/dashboard", "Dashboard"),
    ("/sdks", "SDKs"),
    ("/pricing", "Pricing"),
    ("/api-explorer", "API explorer"),
];

/// Fills `{{key}}` placeholders; values are escaped.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), &escape(value));
    }
    out
}

/// A whole page: the layout around `main`, with `scripts` loaded at the end of the body.
fn page(path: &str, title: &str, main: &str, scripts: &[&str]) -> Response {
    let nav: String = NAV
        .iter()
        .map(|(href, label)| {
            let current = if *href == path {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(r#"<li><a href="{href}"{current}>{label}</a></li>"#)
        })
        .collect();
    let scripts: String = scripts
        .iter()
        .map(|s| format!(r#"<script src="/portal/assets/{s}" defer></script>"#))
        .collect();
    let body = LAYOUT
        .replace("{{title}}", &escape(title))
        .replace("{{nav}}", &nav)
        .replace("{{main}}", main)
        .replace("{{scripts}}", &scripts)
        .replace("{{version}}", env!("CARGO_PKG_VERSION"));
    html(body)
}

fn limit(n: u64, unit: &str) -> String {
    if n == 0 {
        "Unlimited".to_owned()
    } else {
        format!("{n} {unit}")
    }
}

/// `GET /`.
pub async fn home() -> Response {
    page(
        "/",
        "AgentIdP: identity for AI agents",
        include_str!("../../../assets/portal/home.html"),
        &[],
    )
}

/// `GET /pricing`: the free tier's limits as this server enforces them.
pub async fn pricing(State(state): State<AppState>) -> Response {
    let c = &state.config;
    let rate = if c.rate_limit_max_requests == 0 {
        "No request-rate limit".to_owned()
    } else {
        format!(
            "{} requests per {} s per client",
            c.rate_limit_max_requests,
            c.rate_limit_window_ms as f64 / 1000.0
        )
    };
    let main = fill(
        include_str!("../../../assets/portal/pricing.html"),
        &[
            (
                "max_agents",
                limit(u64::from(c.max_agents_per_tenant), "agents"),
            ),
            (
                "max_tokens",
                limit(c.max_tokens_per_month, "tokens per month"),
            ),
            ("token_ttl", format!("{} minutes", c.token_ttl_seconds / 60)),
            ("rate_limit", rate),
            ("retention", format!("{} days", c.audit_retention_days)),
        ],
    );
    page("/pricing", "Pricing · AgentIdP", &main, &[])
}

/// `GET /sdks`: install and a minimal example for each SDK the project ships.
pub async fn sdks(State(state): State<AppState>) -> Response {
    let main = fill(
        include_str!("../../../assets/portal/sdks.html"),
        &[("base", state.config.issuer())],
    );
    page("/sdks", "SDKs · AgentIdP", &main, &["common.js"])
}

/// `GET /get-started`: the four-step wizard.
pub async fn get_started(State(state): State<AppState>) -> Response {
    let main = fill(
        include_str!("../../../assets/portal/get-started.html"),
        &[
            ("base", state.config.issuer()),
            (
                "signup",
                if state.config.signup_enabled {
                    ""
                } else {
                    "hidden"
                }
                .to_owned(),
            ),
        ],
    );
    page(
        "/get-started",
        "Get started · AgentIdP",
        &main,
        &["common.js", "wizard.js"],
    )
}

/// `GET /dashboard`: agents, credentials and the audit log of the signed-in tenant.
pub async fn dashboard() -> Response {
    page(
        "/dashboard",
        "Dashboard · AgentIdP",
        include_str!("../../../assets/portal/dashboard.html"),
        &["common.js", "dashboard.js"],
    )
}
