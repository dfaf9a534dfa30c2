//! Use cases of the OAuth endpoints: client authentication, token issuance, bearer
//! verification, introspection (RFC 7662) and revocation (RFC 7009).

use std::sync::Arc;

use serde_json::Value;

use super::{Idp, ServiceError, ServiceResult, signing};
use crate::domain::DomainError;
use crate::domain::agent::AgentStatus;
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::billing::Metric;
use crate::domain::credential::{Client, SecretHasher};
use crate::domain::ids::{AgentId, TenantId, TokenId};
use crate::domain::jws::{CompactJws, Malformed};
use crate::domain::keys::Algorithm;
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;
use crate::domain::token::{AccessClaims, Actor, Audience, IssuedToken, Principal, Resource};

/// Unknown `kid`s trigger a key reload at most this often.
const KEY_RELOAD_MIN_SECS: i64 = 5;
/// Longest token we bother to parse.
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Why a validly signed token is refused when its tenant has no such agent.
pub(crate) const UNKNOWN_SUBJECT: &str = "unknown subject";

/// What an issued access token says: whose it is, what it grants, for how long.
#[derive(Debug)]
pub(crate) struct Grant {
    /// The agent's tenant.
    pub tenant: TenantId,
    /// The agent (`sub` and `client_id`).
    pub agent: AgentId,
    /// The granted scopes.
    pub scope: ScopeSet,
    /// The requested audience; this server's issuer when `None`.
    pub audience: Option<Resource>,
    /// Lifetime in seconds.
    pub ttl_secs: i64,
    /// The workload an exchanged token stands for.
    pub federated: Option<serde_json::Map<String, Value>>,
    /// For a delegated token: the acting agent (then `client_id`) and the actors before it.
    pub act: Option<Actor>,
}

/// What a client sends to `/oauth2/token` after the transport details are parsed.
#[derive(Debug)]
pub struct TokenRequest {
    /// Requested scopes; `None` means every allowed scope.
    pub scope: Option<ScopeSet>,
    /// Requested audience (`resource` or `audience` parameter).
    pub audience: Option<Resource>,
}

impl Idp {
    pub(crate) fn hasher(&self) -> SecretHasher {
        SecretHasher::new(self.settings.secret_pepper.as_ref())
    }

    /// Issues an access token to an authenticated agent (client-credentials grant).
    pub async fn issue_token(
        &self,
        agent: &Client,
        request: TokenRequest,
        meta: &RequestMeta,
    ) -> ServiceResult<IssuedToken> {
        let scope = match request.scope {
            Some(requested) => {
                if let Some(extra) = requested.missing_from(&agent.allowed_scopes).next() {
                    return Err(ServiceError::ScopeNotAllowed(extra.as_str().to_owned()));
                }
                requested
            }
            None => agent.allowed_scopes.clone(),
        };
        let grant = Grant {
            tenant: agent.tenant_id,
            agent: agent.id,
            scope,
            audience: request.audience,
            ttl_secs: self.settings.token_ttl_secs,
            federated: None,
            act: None,
        };
        self.mint(grant, meta).await
    }

    /// Counts one token against the tenant's monthly limit, signs the access token `grant`
    /// describes and records `token.issued`.
    pub(crate) async fn mint(
        &self,
        grant: Grant,
        meta: &RequestMeta,
    ) -> ServiceResult<IssuedToken> {
        let audience = match grant.audience {
            Some(aud) => aud.as_str().to_owned(),
            None => self.settings.issuer.clone(),
        };
        self.count_usage(grant.tenant, grant.agent, Metric::TokensIssued, meta)
            .await?;
        let now = Timestamp::now();
        let iat = now.unix_seconds();
        let claims = AccessClaims {
            iss: self.settings.issuer.clone(),
            sub: grant.agent.to_string(),
            aud: Audience::One(audience),
            exp: iat + grant.ttl_secs,
            iat,
            nbf: Some(iat),
            jti: TokenId::new().to_string(),
            client_id: grant
                .act
                .as_ref()
                .map_or_else(|| grant.agent.to_string(), |a| a.sub.clone()),
            scope: grant.scope.to_string(),
            tenant_id: grant.tenant.to_string(),
            federated: grant.federated,
            act: grant.act,
        };
        let payload =
            serde_json::to_vec(&claims).map_err(|e| DomainError::Crypto(e.to_string()))?;
        let signer = Arc::clone(&self.keys.current().active);
        let access_token = signer.sign_jws(&payload)?;
        let mut event = NewEvent::new(
            grant.tenant,
            grant.agent.to_string(),
            Action::TokenIssued,
            meta,
            now,
        )
        .subject(grant.agent)
        .with("jti", claims.jti.as_str())
        .with("scope", claims.scope.as_str())
        .with("aud", audience_text(&claims.aud))
        .with("exp", claims.exp);
        if let Some(federated) = claims.federated {
            event = event.with("federated", Value::Object(federated));
        }
        if let Some(act) = claims.act {
            event = event.with("act", serde_json::to_value(act).unwrap_or(Value::Null));
        }
        self.audit.record(event).await?;
        Ok(IssuedToken {
            access_token,
            expires_in: grant.ttl_secs,
            scope: grant.scope,
            algorithm: signer.alg(),
        })
    }

    /// Verifies a JWT issued by this server: structure, `typ`, a known `kid` whose pinned
    /// algorithm equals the header's, the signature, issuer and (when given) audience and
    /// expiry. Storage is not consulted.
    pub async fn verify_jwt(
        &self,
        token: &str,
        audience: Option<&str>,
        check_expiry: bool,
    ) -> ServiceResult<AccessClaims> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(ServiceError::InvalidToken("too long"));
        }
        let jws = CompactJws::split(token).map_err(|e| {
            ServiceError::InvalidToken(match e {
                Malformed::NotCompact => "not a compact JWS",
                Malformed::Header => "bad header",
            })
        })?;
        let header = &jws.header;
        let alg = Algorithm::parse(&header.alg)
            .ok_or(ServiceError::InvalidToken("algorithm not accepted"))?;
        if !header
            .typ
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|t| {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            })
        {
            return Err(ServiceError::InvalidToken("typ is not at+jwt"));
        }
        let kid = header
            .kid
            .clone()
            .ok_or(ServiceError::InvalidToken("no kid"))?;
        let mut set = self.keys.current();
        if !set.verifiers.contains_key(&kid)
            && set.loaded_at.plus_seconds(KEY_RELOAD_MIN_SECS) < Timestamp::now()
        {
            self.refresh_keys().await?;
            set = self.keys.current();
        }
        let verifier = set
            .verifiers
            .get(&kid)
            .ok_or(ServiceError::InvalidToken("unknown kid"))?;
        if verifier.alg() != alg {
            return Err(ServiceError::InvalidToken(
                "algorithm does not match the key",
            ));
        }
        let signature = jws
            .signature()
            .ok_or(ServiceError::InvalidToken("bad signature encoding"))?;
        if !verifier.verify(jws.signed().as_bytes(), &signature) {
            return Err(ServiceError::InvalidToken("bad signature"));
        }
        let claims: AccessClaims = jws
            .claims()
            .ok_or(ServiceError::InvalidToken("bad claims"))?;
        if claims.iss != self.settings.issuer {
            return Err(ServiceError::InvalidToken("wrong issuer"));
        }
        if audience.is_some_and(|aud| !claims.aud.contains(aud)) {
            return Err(ServiceError::InvalidToken("wrong audience"));
        }
        let now = Timestamp::now().unix_seconds();
        if check_expiry && (claims.exp <= now || claims.nbf.is_some_and(|nbf| nbf > now + 60)) {
            return Err(ServiceError::InvalidToken("expired or not yet valid"));
        }
        Ok(claims)
    }

    /// RFC 7662: the token's claims when it is active and belongs to the caller's tenant.
    pub async fn introspect(
        &self,
        caller: &Principal,
        token: &str,
    ) -> ServiceResult<Option<AccessClaims>> {
        let Ok(claims) = self.verify_jwt(token, None, true).await else {
            return Ok(None);
        };
        let Ok((tenant, _, _)) = ids(&claims) else {
            return Ok(None);
        };
        if tenant != caller.tenant_id {
            return Ok(None);
        }
        Ok(match self.liveness_refusal(&claims).await? {
            None => Some(claims),
            Some(_) => None,
        })
    }

    /// Why a correctly signed token is still refused: revoked, its agent unknown or not
    /// active, or (delegated) its current actor no longer an active agent of the tenant.
    pub(crate) async fn liveness_refusal(
        &self,
        claims: &AccessClaims,
    ) -> ServiceResult<Option<&'static str>> {
        let Ok((tenant, agent, jti)) = ids(claims) else {
            return Ok(Some("malformed identifiers"));
        };
        let refusal = match self.db.token_liveness(tenant, agent, jti).await? {
            Some((_, true)) => Some("revoked"),
            Some((status, false)) if status != AgentStatus::Active.as_str() => {
                Some("agent is not active")
            }
            Some(_) => None,
            None => Some(UNKNOWN_SUBJECT),
        };
        let Some(act) = claims.act.as_ref().filter(|_| refusal.is_none()) else {
            return Ok(refusal);
        };
        let Ok(actor) = act.sub.parse::<AgentId>() else {
            return Ok(Some("malformed identifiers"));
        };
        Ok(match self.db.token_liveness(tenant, actor, jti).await? {
            Some((status, _)) if status == AgentStatus::Active.as_str() => None,
            _ => Some("the acting agent is not active"),
        })
    }

    /// RFC 7009: revokes a token of the caller's tenant. Tokens that are invalid, expired or
    /// of another tenant are ignored (the endpoint answers 200 either way); revoking another
    /// agent's token needs `tokens:revoke`.
    pub async fn revoke(&self, caller: &Principal, token: &str) -> ServiceResult<()> {
        let Ok(claims) = self.verify_jwt(token, None, true).await else {
            return Ok(());
        };
        let Ok((tenant, agent, jti)) = ids(&claims) else {
            return Ok(());
        };
        if tenant != caller.tenant_id {
            return Ok(());
        }
        // A delegated token's current actor may revoke it too: it is the one holding it.
        let holder = agent == caller.agent_id || claims.client_id == caller.agent_id.to_string();
        if !holder && !caller.scopes.contains("tokens:revoke") {
            return Err(ServiceError::NotTokenOwner);
        }
        let expires = Timestamp::from_micros(claims.exp.saturating_mul(1_000_000));
        let now = Timestamp::now();
        let event = caller
            .event(Action::TokenRevoked, now)
            .subject(agent)
            .with("jti", jti.to_string());
        self.db
            .revoke_token(jti, tenant, expires, now, &[event])
            .await?;
        Ok(())
    }

    /// Reloads the key set from storage (after a rotation elsewhere).
    pub async fn refresh_keys(&self) -> ServiceResult<()> {
        let current = self.keys.current().active.clone();
        let set = signing::load(&self.db, &self.key_settings, Some(current)).await?;
        self.keys.replace(set);
        Ok(())
    }
}

fn audience_text(aud: &Audience) -> String {
    match aud {
        Audience::One(a) => a.clone(),
        Audience::Many(all) => all.join(" "),
    }
}

pub(crate) fn ids(claims: &AccessClaims) -> ServiceResult<(TenantId, AgentId, TokenId)> {
    let bad = |_| ServiceError::InvalidToken("malformed identifiers");
    Ok((
        claims.tenant_id.parse().map_err(bad)?,
        claims.sub.parse().map_err(bad)?,
        claims.jti.parse().map_err(bad)?,
    ))
}
