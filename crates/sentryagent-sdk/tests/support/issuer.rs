//! A stand-in token issuer for guard tests: it mints tokens with keys it controls (expired,
//! mis-typed, signed by unpublished keys…) and serves their JWKS over real HTTP, counting
//! fetches.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

/// An ES256 key with its `kid`.
pub struct TestKey {
    pub kid: String,
    pair: EcdsaKeyPair,
}

impl TestKey {
    pub fn new(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            pair: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("key"),
        }
    }

    pub fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
               "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])})
    }

    /// A compact JWS of `claims` under `header`, signed with this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .expect("sign");
        format!("{input}.{}", B64.encode(sig.as_ref()))
    }

    /// A well-formed access token for `audience` from `issuer`, with `overrides` merged into
    /// the claims.
    pub fn token(&self, issuer: &str, audience: &str, overrides: Value) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({"iss": issuer, "sub": "agent-1", "aud": audience, "exp": now + 300,
            "iat": now, "jti": "jti-1", "client_id": "agent-1", "scope": "weather:read", "tenant_id": "t"});
        if let (Some(c), Some(o)) = (claims.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                c.insert(k.clone(), v.clone());
            }
        }
        let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": self.kid});
        self.sign(&header, &claims)
    }
}

#[derive(Clone, Default)]
struct Published {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicU64>,
}

/// The JWKS endpoint, on 127.0.0.1 port 0.
pub struct Issuer {
    pub url: String,
    published: Published,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Issuer {
    pub async fn start(keys: &[&TestKey]) -> Self {
        let published = Published::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let router = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(published.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        let issuer = Self {
            url,
            published,
            task,
        };
        for key in keys {
            issuer.publish(key);
        }
        issuer
    }

    pub fn publish(&self, key: &TestKey) {
        self.published.keys.lock().expect("lock").push(key.jwk());
    }

    pub fn fetches(&self) -> u64 {
        self.published.fetches.load(Ordering::SeqCst)
    }
}

async fn jwks(State(p): State<Published>) -> axum::Json<Value> {
    p.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = p.keys.lock().expect("lock").clone();
    axum::Json(json!({ "keys": keys }))
}
