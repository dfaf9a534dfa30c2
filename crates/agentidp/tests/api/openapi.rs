//! The committed OpenAPI document matches the code, and it documents every endpoint.

use serde_json::Value;

fn generated() -> Value {
    serde_json::to_value(agentidp::http::openapi()).unwrap()
}

#[test]
fn the_committed_openapi_document_matches_the_generated_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let rendered = serde_json::to_string_pretty(&generated()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi`"
    );
}

#[test]
fn every_endpoint_is_documented_with_its_errors_and_security() {
    let doc = generated();
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/oauth2/token", &["post"][..]),
        ("/oauth2/introspect", &["post"]),
        ("/oauth2/revoke", &["post"]),
        ("/.well-known/jwks.json", &["get"]),
        ("/.well-known/oauth-authorization-server", &["get"]),
        ("/v1/agents", &["get", "post"]),
        ("/v1/agents/{agentId}", &["get", "patch", "delete"]),
        ("/v1/agents/{agentId}/credentials", &["get", "post"]),
        (
            "/v1/agents/{agentId}/credentials/{credentialId}",
            &["delete"],
        ),
        (
            "/v1/agents/{agentId}/credentials/{credentialId}/rotate",
            &["post"],
        ),
        ("/v1/tenants", &["post"]),
        ("/v1/audit/events", &["get"]),
        ("/v1/audit/events/{eventId}", &["get"]),
        ("/health", &["get"]),
        ("/health/detailed", &["get"]),
    ] {
        for method in methods {
            let op = &paths
                .get(path)
                .unwrap_or_else(|| panic!("{path} is documented"))[*method];
            assert!(op.is_object(), "{method} {path} is documented");
            if path.starts_with("/v1/agents") || path.starts_with("/v1/audit") {
                assert!(
                    op["security"][0]["bearerAuth"].is_array(),
                    "{method} {path} declares bearer auth"
                );
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} documents 401"
                );
            }
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["clientBasic"]["scheme"], "basic");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["OAuthErrorBody"].is_object());
}

#[test]
fn every_operation_id_is_unique_so_generated_clients_compile() {
    let doc = generated();
    let mut seen = std::collections::BTreeSet::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                assert!(
                    seen.insert(id.to_owned()),
                    "{method} {path} reuses the operationId {id}"
                );
            }
        }
    }
}
