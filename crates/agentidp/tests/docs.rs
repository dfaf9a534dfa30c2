//! Documentation generated from the server's own definitions stays current: a stale page fails
//! here, and `UPDATE_DOCS=1 cargo test --test docs` rewrites it.

use std::path::Path;

#[test]
fn the_configuration_reference_matches_the_server_settings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let expected = agentidp::config::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/configuration.md");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == expected,
        "docs/configuration.md is stale: run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}
