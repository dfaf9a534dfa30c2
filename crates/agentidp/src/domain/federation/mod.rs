//! Workload federation: trust policies, which say which workloads of which OIDC issuer may
//! act as which agent, and the rules matching a verified identity token's claims against
//! them (the exchange itself, RFC 8693, is a use case built on these).
//!
//! A policy pins an issuer and an audience, optionally the exact `sub`, and any other claims,
//! each to one value or a list of alternatives, a value ending in `*` matching as a prefix.
//! A refusal names the claims that did not match, never the values the policy expects, so a
//! caller cannot learn a tenant's policies by probing.

mod claims;
mod github;
pub mod subject_token;

use serde_json::{Map, Value};

use super::ids::{AgentId, TenantId, TrustPolicyId};
use super::scope::ScopeSet;
use super::time::Timestamp;
use super::{DomainError, DomainResult};

pub use claims::{ClaimRule, ClaimRules, MAX_ALTERNATIVES, MAX_CLAIMS, ValuePattern};
pub use github::{GITHUB_ISSUER, GithubShorthand};

/// Longest issuer, audience, subject or claim value.
const MAX_VALUE_LEN: usize = 512;
/// Longest token lifetime a policy may allow, in seconds.
pub const MAX_POLICY_TTL_SECONDS: u32 = 3600;

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Validation {
        field,
        message: message.into(),
    }
}

/// Checks a pinned text: non-empty, bounded, no control characters.
fn check_text(field: &'static str, value: &str) -> DomainResult<()> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_VALUE_LEN {
        return Err(invalid(
            field,
            format!("must be at most {MAX_VALUE_LEN} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}
/// An OIDC issuer: an `https` URL without query, fragment or trailing slash (its discovery
/// document is at `{issuer}/.well-known/openid-configuration`). `insecure` lists the plain
/// `http` issuers accepted anyway (`FEDERATION_INSECURE_ISSUERS`, for tests).
pub fn parse_issuer(value: &str, insecure: &[String]) -> DomainResult<String> {
    check_text("issuer", value)?;
    let issuer = value.trim_end_matches('/');
    let url = url_parts(issuer).ok_or_else(|| invalid("issuer", "must be an absolute URL"))?;
    if url.has_query_or_fragment {
        return Err(invalid("issuer", "must not have a query or fragment"));
    }
    match url.scheme {
        "https" => Ok(issuer.to_owned()),
        "http" if insecure.iter().any(|i| i.trim_end_matches('/') == issuer) => {
            Ok(issuer.to_owned())
        }
        _ => Err(invalid("issuer", "must be an https URL")),
    }
}

/// The parts of a URL the issuer rule looks at.
struct UrlParts<'a> {
    scheme: &'a str,
    has_query_or_fragment: bool,
}

fn url_parts(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return None;
    }
    Some(UrlParts {
        scheme,
        has_query_or_fragment: rest.contains(['?', '#']),
    })
}
/// What a trust policy pins, without its identity and ownership (which the use case adds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRules {
    /// The issuer (`iss`), normalised.
    pub issuer: String,
    /// The audience the token must be issued for (one of `aud`).
    pub audience: String,
    /// The exact subject (`sub`), if pinned.
    pub subject: Option<String>,
    /// The other claims.
    pub claims: ClaimRules,
    /// The scopes a token exchanged under this policy may hold (within the agent's).
    pub scopes: ScopeSet,
    /// Longest lifetime of a token exchanged under this policy.
    pub max_token_ttl_seconds: u32,
}

/// Which pinned claims a token failed, by name (`aud`, `sub` and the `claims` keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub Vec<String>);

impl PolicyRules {
    /// Checks the policy-level rules: a subject or at least one claim pinned (a policy that
    /// pins only issuer and audience would trust every workload of the issuer, every GitHub
    /// repository for GitHub), and a lifetime within bounds.
    pub fn validate(&self) -> DomainResult<()> {
        check_text("audience", &self.audience)?;
        if let Some(subject) = &self.subject {
            check_text("subject", subject)?;
        }
        if self.subject.is_none() && self.claims.is_empty() {
            return Err(invalid(
                "claims",
                "pin the subject or at least one claim: issuer and audience alone would trust \
                 every workload of the issuer",
            ));
        }
        if !(1..=MAX_POLICY_TTL_SECONDS).contains(&self.max_token_ttl_seconds) {
            return Err(invalid(
                "maxTokenTtlSeconds",
                format!("must be between 1 and {MAX_POLICY_TTL_SECONDS}"),
            ));
        }
        Ok(())
    }

    /// Matches a verified token's claims (its issuer already known to be this policy's).
    pub fn check(&self, claims: &Map<String, Value>) -> Result<(), Mismatch> {
        let mut failed = Vec::new();
        let audience_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == self.audience,
            Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(&self.audience)),
            _ => false,
        };
        if !audience_ok {
            failed.push("aud".to_owned());
        }
        if let Some(subject) = &self.subject
            && claims.get("sub").and_then(Value::as_str) != Some(subject.as_str())
        {
            failed.push("sub".to_owned());
        }
        for (name, rule) in self.claims.iter() {
            if !rule.matches(claims.get(name)) {
                failed.push(name.clone());
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Mismatch(failed))
        }
    }
}

/// A tenant's trust policy: a matching workload acts as `agent_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Its id.
    pub id: TrustPolicyId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// The agent a matching workload acts as.
    pub agent_id: AgentId,
    /// What it pins and grants.
    pub rules: PolicyRules,
    /// What it is for, in the owner's words.
    pub description: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// What a caller asks a new policy to pin; the use case fills the defaults (the agent's
/// scopes, the server's token lifetime) and checks it against the agent.
#[derive(Debug, Clone)]
pub struct PolicyDraft {
    /// The issuer, already parsed with [`parse_issuer`].
    pub issuer: String,
    /// The audience.
    pub audience: String,
    /// The exact subject, if pinned.
    pub subject: Option<String>,
    /// The other claims.
    pub claims: ClaimRules,
    /// The scopes, if not all of the agent's.
    pub scopes: Option<ScopeSet>,
    /// The longest token lifetime, if not the server's.
    pub max_token_ttl_seconds: Option<u32>,
    /// What it is for.
    pub description: String,
}

/// A change to a policy: each field present replaces the stored one (`subject: Some(None)`
/// unpins the subject). Issuer and agent never change: a new policy says so.
#[derive(Debug, Clone, Default)]
pub struct PolicyPatch {
    /// New audience.
    pub audience: Option<String>,
    /// New subject.
    pub subject: Option<Option<String>>,
    /// New claims.
    pub claims: Option<ClaimRules>,
    /// New scopes.
    pub scopes: Option<ScopeSet>,
    /// New longest token lifetime.
    pub max_token_ttl_seconds: Option<u32>,
    /// New description.
    pub description: Option<String>,
}

impl PolicyPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.audience.is_none()
            && self.subject.is_none()
            && self.claims.is_none()
            && self.scopes.is_none()
            && self.max_token_ttl_seconds.is_none()
            && self.description.is_none()
    }
}

impl TrustPolicy {
    /// Applies `patch` and checks the result, as of `now`.
    pub fn apply(&mut self, patch: PolicyPatch, now: Timestamp) -> DomainResult<()> {
        if let Some(audience) = patch.audience {
            self.rules.audience = audience;
        }
        if let Some(subject) = patch.subject {
            self.rules.subject = subject;
        }
        if let Some(claims) = patch.claims {
            self.rules.claims = claims;
        }
        if let Some(scopes) = patch.scopes {
            self.rules.scopes = scopes;
        }
        if let Some(ttl) = patch.max_token_ttl_seconds {
            self.rules.max_token_ttl_seconds = ttl;
        }
        if let Some(description) = patch.description {
            check_description(&description)?;
            self.description = description;
        }
        self.rules.validate()?;
        self.updated_at = now;
        Ok(())
    }

    /// The audit record of what the policy pins (never a token).
    pub fn summary(&self) -> Value {
        serde_json::json!({
            "policyId": self.id.to_string(),
            "issuer": self.rules.issuer,
            "audience": self.rules.audience,
            "subject": self.rules.subject,
            "claims": self.rules.claims.to_json(),
            "scopes": self.rules.scopes.to_string(),
            "maxTokenTtlSeconds": self.rules.max_token_ttl_seconds,
        })
    }
}

/// Longest policy description.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Checks a policy description: bounded, no control characters but tab and newline.
pub fn check_description(text: &str) -> DomainResult<()> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if text.chars().any(super::is_forbidden_control) {
        return Err(invalid(
            "description",
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod test_support {
    //! A GitHub-shaped token and a policy to match it, shared by this module's tests.
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::{Map, Value, json};

    use super::*;

    pub fn rules(claims: Value) -> PolicyRules {
        PolicyRules {
            issuer: GITHUB_ISSUER.to_owned(),
            audience: "https://idp.example.com".to_owned(),
            subject: None,
            claims: ClaimRules::parse(claims.as_object().unwrap()).unwrap(),
            scopes: ScopeSet::parse("deploy:write").unwrap(),
            max_token_ttl_seconds: 900,
        }
    }

    pub fn github_token(overrides: Value) -> Map<String, Value> {
        let mut token = json!({
            "iss": GITHUB_ISSUER, "aud": "https://idp.example.com",
            "sub": "repo:acme/api:ref:refs/heads/main", "repository": "acme/api",
            "repository_id": "123456", "repository_owner_id": "42", "ref": "refs/heads/main",
            "event_name": "push", "workflow": "deploy",
        });
        token
            .as_object_mut()
            .unwrap()
            .extend(overrides.as_object().unwrap().clone());
        token.as_object().unwrap().clone()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::test_support::{github_token, rules};
    use super::*;

    #[test]
    fn issuers_are_https_urls_unless_listed_as_insecure() {
        assert_eq!(
            parse_issuer("https://token.actions.githubusercontent.com/", &[]).unwrap(),
            GITHUB_ISSUER
        );
        assert!(parse_issuer("http://127.0.0.1:9000", &[]).is_err());
        assert_eq!(
            parse_issuer("http://127.0.0.1:9000", &["http://127.0.0.1:9000/".into()]).unwrap(),
            "http://127.0.0.1:9000"
        );
        for bad in [
            "token.actions.githubusercontent.com",
            "https://",
            "https://a/?x=1",
            "",
        ] {
            assert!(parse_issuer(bad, &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_token_matches_when_audience_subject_and_every_claim_do_and_a_refusal_names_the_claims() {
        let mut policy = rules(json!({"repository_id": "123456", "ref": "refs/heads/main"}));
        policy.subject = Some("repo:acme/api:ref:refs/heads/main".to_owned());
        assert_eq!(policy.check(&github_token(json!({}))), Ok(()));
        assert_eq!(
            policy.check(&github_token(
                json!({"aud": ["other", "https://idp.example.com"]})
            )),
            Ok(()),
            "one of several audiences"
        );
        assert_eq!(
            policy.check(&github_token(json!({
                "aud": "https://elsewhere.example.com", "repository_id": "999", "ref": "refs/pull/7/merge",
            }))),
            Err(Mismatch(vec!["aud".into(), "ref".into(), "repository_id".into()]))
        );
        assert_eq!(
            policy.check(&github_token(json!({"sub": "repo:acme/api:pull_request"}))),
            Err(Mismatch(vec!["sub".into()]))
        );
    }

    #[test]
    fn a_policy_must_pin_more_than_issuer_and_audience_and_bound_its_lifetime() {
        let mut policy = rules(json!({}));
        assert!(policy.validate().is_err(), "trusts every workload");
        policy.subject = Some("repo:acme/api:ref:refs/heads/main".to_owned());
        policy.validate().unwrap();
        for ttl in [0, MAX_POLICY_TTL_SECONDS + 1] {
            policy.max_token_ttl_seconds = ttl;
            assert!(policy.validate().is_err(), "{ttl}");
        }
    }
}
