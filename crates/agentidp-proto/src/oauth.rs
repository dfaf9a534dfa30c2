//! OAuth 2.0 wire types: the token request and response (RFC 6749), introspection (RFC 7662)
//! and authorization-server metadata (RFC 8414).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::claims::Audience;

/// Parameters of `POST /oauth2/token` (form-encoded).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TokenForm))]
pub struct TokenRequest {
    /// `client_credentials`, or `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    /// Space-separated subset of the agent's allowed scopes; default all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Target resource (RFC 8707): an absolute URI without a fragment; becomes the `aud` claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Target audience; same as `resource`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// client_secret_post: the client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// client_secret_post: the client secret.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub client_secret: Option<SecretString>,
    /// private_key_jwt: `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_assertion_type: Option<String>,
    /// private_key_jwt: a JWT signed by the client's registered key (RFC 7523 §2.2):
    /// `iss` = `sub` = the client id, `aud` = the token endpoint or issuer, `exp` at most
    /// 5 minutes ahead, a `jti` used once.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub client_assertion: Option<SecretString>,
    /// Token exchange (RFC 8693): the workload's identity token.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub subject_token: Option<SecretString>,
    /// Token exchange: `urn:ietf:params:oauth:token-type:id_token` or `…:jwt` for a
    /// workload's identity token; `…:access_token` for delegation (a token of this server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_token_type: Option<String>,
    /// Delegation: the acting agent's own access token from this server.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub actor_token: Option<SecretString>,
    /// Delegation: `urn:ietf:params:oauth:token-type:access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_token_type: Option<String>,
    /// Delegation: the lifetime wanted, in seconds (an extension of RFC 8693); a lifetime
    /// beyond the subject or actor token's remaining life is refused. Default: as long as
    /// both allow, at most the server's token lifetime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Token exchange: `urn:ietf:params:oauth:token-type:access_token` if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<String>,
}

impl TokenRequest {
    /// This request as a client-credentials grant: `grant_type` set, the rest as given.
    pub fn client_credentials_grant(&self) -> Self {
        Self {
            grant_type: Some("client_credentials".to_owned()),
            ..self.clone()
        }
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// The JWT access token (RFC 9068).
    #[serde(serialize_with = "crate::secret::expose")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub access_token: SecretString,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Granted scopes, space separated.
    pub scope: String,
    /// Token exchange (RFC 8693): `urn:ietf:params:oauth:token-type:access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
}

/// Parameters of introspection and revocation (form-encoded).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenParam {
    /// The token to inspect or revoke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Ignored hint (`access_token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
    /// client_secret_post: the caller's client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// client_secret_post: the caller's client secret.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub client_secret: Option<SecretString>,
}

/// RFC 7662 response; an inactive token shows only `{"active": false}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = IntrospectionResponse))]
pub struct Introspection {
    /// Whether the token is valid right now.
    pub active: bool,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Expiry (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued-at (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not-before (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Its subject (the agent id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Its audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Its issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The agent's tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// For a delegated token: the agent acting for `sub`, and the actors before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<crate::claims::Actor>,
}

/// RFC 8414 authorization-server metadata.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerMetadata {
    /// The issuer every token carries in `iss`.
    pub issuer: String,
    /// Where to request tokens.
    pub token_endpoint: String,
    /// Where the signing keys are published.
    pub jwks_uri: String,
    /// RFC 7662 endpoint.
    pub introspection_endpoint: String,
    /// RFC 7009 endpoint.
    pub revocation_endpoint: String,
    /// Empty: this server has no authorization endpoint (no redirect-based flows).
    pub response_types_supported: Vec<String>,
    /// `client_credentials`.
    pub grant_types_supported: Vec<String>,
    /// The management scopes the server knows.
    pub scopes_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Algorithms accepted for `private_key_jwt` client assertions.
    #[serde(default)]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// Client authentication methods at the introspection endpoint.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// Client authentication methods at the revocation endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// Human-readable API documentation.
    pub service_documentation: String,
}
