//! A resource server protected by the guard: `GET /forecast` needs a token for this service
//! (audience) with the scope `weather:read`.
//!
//! ```sh
//! ISSUER=http://127.0.0.1:3000 AUDIENCE=http://127.0.0.1:4000 \
//!   cargo run -p sentryagent-sdk --example protected_service
//! # then, with an agent allowed weather:read:
//! TOKEN=$(curl -s -u "$AGENT_ID:$AGENT_SECRET" -d grant_type=client_credentials \
//!   -d scope=weather:read -d resource=http://127.0.0.1:4000 http://127.0.0.1:3000/oauth2/token | jq -r .access_token)
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:4000/forecast
//! ```

use axum::Router;
use axum::routing::get;
use sentryagent_sdk::guard::{Algorithm, Guard, VerifiedToken};

async fn forecast(token: VerifiedToken) -> String {
    format!("Sunny tomorrow, agent {}.\n", token.agent_id())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = std::env::var("ISSUER").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let audience = std::env::var("AUDIENCE").unwrap_or_else(|_| "http://127.0.0.1:4000".into());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:4000".into());

    // The three lines that protect a service: the guard, its layer, the extractor above.
    let guard = Guard::builder(&issuer, &audience)
        .algorithms(&Algorithm::ALL)
        .build()?;
    let app = Router::new()
        .route("/forecast", get(forecast))
        .layer(guard.layer().require_scopes(["weather:read"]));

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("protected service on http://{bind} (issuer {issuer}, audience {audience})");
    axum::serve(listener, app).await?;
    Ok(())
}
