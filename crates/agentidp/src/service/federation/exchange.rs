//! The token exchange for workloads (RFC 8693): a workload presents the identity token its
//! platform issued it; if a trust policy admits it, it gets an access token of the policy's
//! agent, which says who the workload is (`federated`). Every exchange is audited, granted
//! (`token.issued`) or refused (`auth.failed`, method `token_exchange`), with the workload's
//! claims and never the token.

use aws_lc_rs::digest;
use serde_json::{Map, Value};

use super::super::tokens::Grant;
use super::super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::AgentStatus;
use crate::domain::audit::{Action, NewEvent, RequestMeta, SYSTEM_TENANT};
use crate::domain::federation::TrustPolicy;
use crate::domain::federation::subject_token::{SKEW_SECS, SubjectToken};
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;
use crate::domain::token::{IssuedToken, Resource};

/// The claims of a workload's token that its access token and the audit log carry.
const WORKLOAD_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "repository",
    "repository_id",
    "workflow",
    "run_id",
    "ref",
    "event_name",
];

/// What a workload asks for.
#[derive(Debug)]
pub struct ExchangeRequest {
    /// Its identity token (compact JWS).
    pub subject_token: String,
    /// The agent it wants to act as, when policies of several agents could admit it.
    pub agent: Option<AgentId>,
    /// The scopes wanted; default all the policy grants.
    pub scope: Option<ScopeSet>,
    /// The audience of the access token; default this server.
    pub audience: Option<Resource>,
}

/// Who the workload is, from its token: what its access token and audit events say.
fn workload(token: &SubjectToken<'_>) -> Map<String, Value> {
    WORKLOAD_CLAIMS
        .iter()
        .filter_map(|c| token.claims.get(*c).map(|v| ((*c).to_owned(), v.clone())))
        .filter(|(_, v)| v.is_string() || v.is_number())
        .collect()
}

/// The replay-record owner of an issuer's `jti`s: a fixed id derived from the issuer, since
/// a `jti` is unique per issuer, whichever agent the token is exchanged for.
fn issuer_scope(issuer: &str) -> AgentId {
    let d = digest::digest(&digest::SHA256, format!("federation:{issuer}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&d.as_ref()[..16]);
    AgentId::from_uuid(uuid::Uuid::from_bytes(bytes))
}

impl Idp {
    /// Exchanges a workload's identity token for an access token of the agent a trust policy
    /// names. The issuer's keys are fetched only for issuers some policy names.
    pub async fn exchange_workload_token(
        &self,
        request: ExchangeRequest,
        meta: &RequestMeta,
    ) -> ServiceResult<IssuedToken> {
        let token = match SubjectToken::parse(&request.subject_token) {
            Ok(token) => token,
            Err(why) => {
                let e = ServiceError::InvalidSubjectToken(why);
                self.refused(SYSTEM_TENANT, None, &e, meta).await?;
                return Err(e);
            }
        };
        // Naming the agent (as the GitHub Action does) reads only its policies; otherwise every
        // policy of the issuer, of every tenant, is a candidate.
        let candidates = match request.agent {
            Some(agent) => {
                self.db
                    .trust_policies_of_agent(&token.issuer, agent)
                    .await?
            }
            None => self.db.trust_policies_for_issuer(&token.issuer).await?,
        };
        // A refusal is recorded for the tenant whose policies were tried, when only one
        // tenant's were: another tenant must not read what a stranger presented.
        let tenant = match candidates.first() {
            Some(first) if candidates.iter().all(|p| p.tenant_id == first.tenant_id) => {
                first.tenant_id
            }
            _ => SYSTEM_TENANT,
        };
        match self
            .admit(&token, &candidates, request.scope.as_ref())
            .await
        {
            Ok((policy, scope, ttl)) => {
                let grant = Grant {
                    tenant: policy.tenant_id,
                    agent: policy.agent_id,
                    scope,
                    audience: request.audience,
                    ttl_secs: ttl,
                    federated: Some(workload(&token)),
                    act: None,
                };
                self.mint(grant, meta).await
            }
            Err(e) => {
                self.refused(tenant, Some(&token), &e, meta).await?;
                Err(e)
            }
        }
    }

    /// The policy admitting `token`, the scopes granted and the token's lifetime; the
    /// token's `jti` is spent once everything else holds.
    async fn admit(
        &self,
        token: &SubjectToken<'_>,
        candidates: &[TrustPolicy],
        requested: Option<&ScopeSet>,
    ) -> ServiceResult<(TrustPolicy, ScopeSet, i64)> {
        if candidates.is_empty() {
            return Err(ServiceError::TrustPolicyMismatch(vec!["iss".to_owned()]));
        }
        let keys = self
            .issuers
            .keys(&token.issuer, token.kid.as_deref())
            .await?;
        if !keys.iter().any(|k| token.signed_by(k)) {
            return Err(ServiceError::InvalidSubjectToken(
                "the subject token is not signed by a current key of its issuer",
            ));
        }
        let now = Timestamp::now();
        let (exp, jti) = token
            .check_times(now)
            .map_err(ServiceError::InvalidSubjectToken)?;
        let mut closest: Option<Vec<String>> = None;
        let mut admitted: Vec<&TrustPolicy> = Vec::new();
        for policy in candidates {
            match policy.rules.check(&token.claims) {
                Ok(()) => admitted.push(policy),
                Err(m) if closest.as_ref().is_none_or(|c| m.0.len() < c.len()) => {
                    closest = Some(m.0);
                }
                Err(_) => {}
            }
        }
        let policy = match admitted.as_slice() {
            [] => {
                return Err(ServiceError::TrustPolicyMismatch(
                    closest.unwrap_or_default(),
                ));
            }
            [first, rest @ ..] if rest.iter().any(|p| p.agent_id != first.agent_id) => {
                return Err(ServiceError::AmbiguousTrustPolicy);
            }
            [first, ..] => (*first).clone(),
        };
        let agent = self
            .db
            .get_agent(policy.tenant_id, policy.agent_id)
            .await?
            .ok_or(ServiceError::AgentNotFound)?;
        if agent.status != AgentStatus::Active {
            return Err(ServiceError::AgentNotActive(agent.status.as_str()));
        }
        // The agent's scopes may have shrunk since the policy was written.
        let grantable = policy.rules.scopes.intersection(&agent.allowed_scopes);
        let scope = match requested {
            Some(wanted) => {
                if let Some(extra) = wanted.missing_from(&grantable).next() {
                    return Err(ServiceError::ScopeNotAllowed(extra.as_str().to_owned()));
                }
                wanted.clone()
            }
            None => grantable,
        };
        let ttl = i64::from(policy.rules.max_token_ttl_seconds)
            .min(self.settings.token_ttl_secs)
            .min(exp - now.unix_seconds());
        if ttl < 1 {
            return Err(ServiceError::InvalidSubjectToken(
                "the subject token expires too soon to exchange",
            ));
        }
        let spent_until = Timestamp::from_micros((exp + SKEW_SECS).saturating_mul(1_000_000));
        if !self
            .replay
            .first_use(issuer_scope(&token.issuer), jti, spent_until)
            .await?
        {
            return Err(ServiceError::InvalidSubjectToken(
                "the subject token was already exchanged",
            ));
        }
        Ok((policy, scope, ttl))
    }

    /// Records a refused exchange in `tenant`'s chain (the system chain when no single
    /// tenant's policies were tried, or the token could not be read).
    async fn refused(
        &self,
        tenant: TenantId,
        token: Option<&SubjectToken<'_>>,
        error: &ServiceError,
        meta: &RequestMeta,
    ) -> ServiceResult<()> {
        let actor = token
            .and_then(|t| t.claims.get("sub"))
            .and_then(Value::as_str)
            .map_or("anonymous".to_owned(), |s| s.chars().take(128).collect());
        let mut event = NewEvent::new(tenant, actor, Action::AuthFailed, meta, Timestamp::now())
            .failed()
            .with("method", "token_exchange")
            .with("reason", error.to_string());
        if let Some(token) = token {
            event = event.with("workload", Value::Object(workload(token)));
        }
        self.audit.record(event).await
    }
}
