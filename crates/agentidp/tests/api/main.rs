//! Black-box tests of the HTTP API through the router, on SQLite and PostgreSQL.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "../common/postgres.rs"]
mod common_postgres;
#[path = "../common/redis.rs"]
mod common_redis;
mod helpers;

mod admins;
mod agents;
mod audit;
mod audit_heads;
mod audit_keys;
mod auth;
mod billing;
mod credentials;
mod delegation;
mod deploy;
mod errors;
mod exchange;
mod federation;
mod health;
mod identity;
mod key_encryption;
mod keys;
mod limits;
mod marketplace;
mod oauth;
mod openapi;
mod portal;
mod private_key_jwt;
mod races;
mod shared;
mod stripe_webhook;
mod tamper;
mod tenants;
mod usage;
