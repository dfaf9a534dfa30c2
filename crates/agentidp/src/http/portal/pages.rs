//! The portal's pages: one shared layout, page bodies from embedded HTML with `{{name}}`
//! placeholders filled with escaped values from the running configuration.

use axum::extract::State;
use axum::response::Response;

use super::{escape, html};
use crate::AppState;

const LAYOUT: &str = include_str!("../../../assets/portal/layout.html");

/// The navigation entries: path and label.
const NAV: [(&str, &str); 7] = [
    ("/", "Home"),
    ("/get-started", "Get started"),
    ("/dashboard", "Dashboard"),
    ("/marketplace", "Marketplace"),
    ("/sdks", "SDKs"),
    ("/pricing", "Pricing"),
    ("/api-explorer", "API explorer"),
];

/// Fills `{{key}}` placeholders in one pass, so a value is never scanned for placeholders:
/// `text` values are escaped, `html` values are markup this module built from escaped parts.
/// An unknown placeholder is left as written.
pub(super) fn render(template: &str, text: &[(&str, String)], html: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[start..];
            break;
        };
        let key = &after[..end];
        if let Some((_, value)) = text.iter().find(|(k, _)| *k == key) {
            out.push_str(&escape(value));
        } else if let Some((_, value)) = html.iter().find(|(k, _)| *k == key) {
            out.push_str(value);
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Fills `{{key}}` placeholders with escaped values.
pub(super) fn fill(template: &str, values: &[(&str, String)]) -> String {
    render(template, values, &[])
}

/// A whole page: the layout around `main`, with `scripts` loaded at the end of the body; the
/// marketplace is in the navigation only when it is on.
pub(super) fn page(
    state: &AppState,
    path: &str,
    title: &str,
    main: &str,
    scripts: &[&str],
) -> Response {
    let marketplace = state.identity.is_some();
    let nav: String = NAV
        .iter()
        .filter(|(href, _)| marketplace || *href != "/marketplace")
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
    let body = render(
        LAYOUT,
        &[
            ("title", title.to_owned()),
            ("version", env!("CARGO_PKG_VERSION").to_owned()),
        ],
        &[("nav", &nav), ("main", main), ("scripts", &scripts)],
    );
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
pub async fn home(State(state): State<AppState>) -> Response {
    page(
        &state,
        "/",
        "AgentIdP: identity for AI agents",
        include_str!("../../../assets/portal/home.html"),
        &[],
    )
}

/// `GET /pricing`: the plans' limits as this server enforces them.
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
    let plans = &state.idp.plans_settings;
    let free = if plans.billing_enabled {
        plans.free
    } else {
        plans.unbilled
    };
    let shown = |n: Option<u64>, unit: &str| limit(n.unwrap_or(0), unit);
    let (pro_price, pro_how) = if plans.billing_enabled {
        (
            "Paid monthly",
            "Subscribe from the dashboard's Usage tab (Upgrade); payments go through Stripe.",
        )
    } else {
        (
            "Talk to us",
            "Billing is not enabled on this server: its operator sets every tenant's limits.",
        )
    };
    let main = fill(
        include_str!("../../../assets/portal/pricing.html"),
        &[
            ("max_agents", shown(free.agents, "agents")),
            (
                "max_tokens",
                shown(free.tokens_per_month, "tokens per month"),
            ),
            ("max_calls", shown(free.api_calls_per_day, "calls per day")),
            ("pro_price", pro_price.to_owned()),
            ("pro_agents", shown(plans.pro.agents, "agents")),
            (
                "pro_tokens",
                shown(plans.pro.tokens_per_month, "tokens per month"),
            ),
            (
                "pro_calls",
                shown(plans.pro.api_calls_per_day, "calls per day"),
            ),
            ("pro_how", pro_how.to_owned()),
            ("token_ttl", format!("{} minutes", c.token_ttl_seconds / 60)),
            ("rate_limit", rate),
            ("retention", format!("{} days", c.audit_retention_days)),
        ],
    );
    page(&state, "/pricing", "Pricing · AgentIdP", &main, &[])
}

/// `GET /sdks`: install and a minimal example for each SDK the project ships.
pub async fn sdks(State(state): State<AppState>) -> Response {
    let main = fill(
        include_str!("../../../assets/portal/sdks.html"),
        &[("base", state.config.issuer())],
    );
    page(&state, "/sdks", "SDKs · AgentIdP", &main, &["common.js"])
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
        &state,
        "/get-started",
        "Get started · AgentIdP",
        &main,
        &["common.js", "wizard.js"],
    )
}

/// `GET /dashboard`: agents, credentials and the audit log of the signed-in tenant; it offers
/// publishing only when the marketplace is on.
pub async fn dashboard(State(state): State<AppState>) -> Response {
    let main = fill(
        include_str!("../../../assets/portal/dashboard.html"),
        &[("marketplace", state.identity.is_some().to_string())],
    );
    page(
        &state,
        "/dashboard",
        "Dashboard · AgentIdP",
        &main,
        &["common.js", "dashboard.js", "agent-editor.js", "usage.js"],
    )
}
