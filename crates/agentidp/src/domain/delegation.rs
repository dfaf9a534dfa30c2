//! Delegation (RFC 8693 with an `actor_token`): which agents may act for an agent, and what a
//! delegated token may hold — scopes within the subject token's, an audience no wider, a
//! lifetime no longer than either token's, and the chain of actors in a nested `act` claim.

use super::ids::{AgentId, TenantId};
use super::scope::ScopeSet;
use super::token::{AccessClaims, Actor, Audience, Resource};
use super::{DomainError, DomainResult};

/// Most agents one agent may let act for it.
pub const MAX_ALLOWED_ACTORS: usize = 32;
/// Longest chain of actors a token may carry (RFC 8693 §4.1 nesting), to keep tokens small.
pub const MAX_CHAIN: usize = 8;

/// The agents allowed to act for an agent: distinct ids, in the order given, never the agent
/// itself (checked by the use case, which knows the agent's id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedActors(Vec<AgentId>);

impl AllowedActors {
    /// Parses the `allowedActors` field: agent ids, at most [`MAX_ALLOWED_ACTORS`].
    pub fn parse<S: AsRef<str>>(items: &[S]) -> DomainResult<Self> {
        let invalid = |message: String| DomainError::Validation {
            field: "allowedActors",
            message,
        };
        if items.len() > MAX_ALLOWED_ACTORS {
            return Err(invalid(format!("at most {MAX_ALLOWED_ACTORS} agents")));
        }
        let mut ids: Vec<AgentId> = Vec::with_capacity(items.len());
        for item in items {
            let id = item
                .as_ref()
                .parse::<AgentId>()
                .map_err(|_| invalid(format!("{:?} is not an agent id", item.as_ref())))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Self(ids))
    }

    /// Reads the stored form (ids separated by spaces); `None` if it is not one.
    pub fn from_stored(s: &str) -> Option<Self> {
        let items: Vec<&str> = s.split_ascii_whitespace().collect();
        Self::parse(&items).ok()
    }

    /// Whether `agent` may act for the agent these belong to.
    pub fn contains(&self, agent: AgentId) -> bool {
        self.0.contains(&agent)
    }

    /// The ids, in order.
    pub fn ids(&self) -> &[AgentId] {
        &self.0
    }
}

impl std::fmt::Display for AllowedActors {
    /// The stored form: ids separated by spaces.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

/// Why a delegation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The subject agent does not list the actor.
    #[error("the subject agent does not allow this agent to act for it (allowedActors)")]
    NotAllowed,
    /// The two tokens belong to different tenants.
    #[error("the actor and the subject belong to different tenants")]
    OtherTenant,
    /// The actor token is itself delegated: it does not say who the actor is.
    #[error("the actor token must be the acting agent's own token, not a delegated one")]
    DelegatedActor,
    /// A scope beyond what the subject token grants.
    #[error("scope {0:?} is not granted by the subject token")]
    ScopeWidened(String),
    /// An audience the subject token was not issued for.
    #[error("the subject token is bound to another audience; a delegated token cannot widen it")]
    AudienceWidened,
    /// A lifetime longer than the tokens allow.
    #[error(
        "a delegated token may live at most {max} s here (the subject and actor tokens' remaining life)"
    )]
    LifetimeTooLong {
        /// The longest lifetime allowed.
        max: i64,
    },
    /// One delegation too many.
    #[error("a token carries at most {MAX_CHAIN} actors")]
    ChainTooLong,
    /// The subject or actor token has less than a second left.
    #[error("the subject or actor token expires too soon to delegate")]
    ExpiresTooSoon,
}

/// What the actor asks for.
#[derive(Debug, Default)]
pub struct Wanted {
    /// Scopes; default all the subject token grants.
    pub scope: Option<ScopeSet>,
    /// The target; default the subject token's audience.
    pub audience: Option<Resource>,
    /// Lifetime in seconds; default as long as allowed.
    pub expires_in: Option<i64>,
}

/// The two verified tokens of a delegation and what the server knows of the subject agent.
#[derive(Debug)]
pub struct Delegation<'a> {
    /// The subject token's claims.
    pub subject: &'a AccessClaims,
    /// The actor token's claims.
    pub actor: &'a AccessClaims,
    /// Agents the subject agent lets act for it.
    pub allowed_actors: &'a AllowedActors,
    /// The subject agent's allowed scopes now (they may have shrunk since its token).
    pub allowed_scopes: &'a ScopeSet,
    /// This server's issuer: a subject token for it may be narrowed to any target.
    pub issuer: &'a str,
    /// The server's longest token lifetime.
    pub max_ttl_secs: i64,
}

/// The delegated token to sign.
#[derive(Debug, PartialEq, Eq)]
pub struct Delegated {
    /// Granted scopes.
    pub scope: ScopeSet,
    /// Its audience; this server's issuer when `None`.
    pub audience: Option<Resource>,
    /// Lifetime in seconds.
    pub ttl_secs: i64,
    /// The `act` claim: the actor, then the subject token's actors.
    pub act: Actor,
}

impl Delegation<'_> {
    /// Applies the rules to `wanted` at `now` (seconds since the epoch). The subject and actor
    /// ids are those of verified tokens, hence already parsed by the caller.
    pub fn grant(
        &self,
        subject: (TenantId, AgentId),
        actor: (TenantId, AgentId),
        wanted: Wanted,
        now: i64,
    ) -> Result<Delegated, Refusal> {
        if subject.0 != actor.0 {
            return Err(Refusal::OtherTenant);
        }
        if self.actor.act.is_some() {
            return Err(Refusal::DelegatedActor);
        }
        if !self.allowed_actors.contains(actor.1) || actor.1 == subject.1 {
            return Err(Refusal::NotAllowed);
        }
        let prior = self.subject.act.clone();
        if prior.as_ref().map_or(0, |a| a.chain().count()) >= MAX_CHAIN {
            return Err(Refusal::ChainTooLong);
        }
        let granted = subject_scopes(self.subject).intersection(self.allowed_scopes);
        let scope = match wanted.scope {
            Some(scope) => {
                if let Some(extra) = scope.missing_from(&granted).next() {
                    return Err(Refusal::ScopeWidened(extra.as_str().to_owned()));
                }
                scope
            }
            None => granted,
        };
        let audience = self.audience(wanted.audience)?;
        let max = (self.subject.exp.min(self.actor.exp) - now).min(self.max_ttl_secs);
        if max < 1 {
            return Err(Refusal::ExpiresTooSoon);
        }
        let ttl_secs = match wanted.expires_in {
            Some(asked) if asked > max => return Err(Refusal::LifetimeTooLong { max }),
            Some(asked) => asked,
            None => max,
        };
        Ok(Delegated {
            scope,
            audience,
            ttl_secs,
            act: Actor {
                sub: actor.1.to_string(),
                act: prior.map(Box::new),
            },
        })
    }

    /// The delegated token's audience: the one asked for if the subject token is for this
    /// server or for that target, else the subject token's own.
    fn audience(&self, wanted: Option<Resource>) -> Result<Option<Resource>, Refusal> {
        let aud = &self.subject.aud;
        match wanted {
            Some(target) if aud.contains(self.issuer) || aud.contains(target.as_str()) => {
                Ok(Some(target).filter(|t| t.as_str() != self.issuer))
            }
            Some(_) => Err(Refusal::AudienceWidened),
            None => match aud {
                Audience::One(a) if a == self.issuer => Ok(None),
                Audience::One(a) => Resource::parse(a)
                    .map(Some)
                    .map_err(|_| Refusal::AudienceWidened),
                // Several audiences cannot be carried into one: the actor names its target.
                Audience::Many(_) => Err(Refusal::AudienceWidened),
            },
        }
    }
}

/// The scopes a verified token grants; a token with unparsable scopes grants none.
fn subject_scopes(claims: &AccessClaims) -> ScopeSet {
    ScopeSet::parse(&claims.scope).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    const ISSUER: &str = "https://idp.example";
    const NOW: i64 = 1_000_000;

    fn claims(sub: AgentId, tenant: TenantId, scope: &str, aud: &str, exp: i64) -> AccessClaims {
        AccessClaims {
            iss: ISSUER.to_owned(),
            sub: sub.to_string(),
            aud: Audience::One(aud.to_owned()),
            exp,
            iat: NOW - 10,
            nbf: None,
            jti: "j".to_owned(),
            client_id: sub.to_string(),
            scope: scope.to_owned(),
            tenant_id: tenant.to_string(),
            federated: None,
            act: None,
        }
    }

    struct Case {
        tenant: TenantId,
        a: AgentId,
        b: AgentId,
        subject: AccessClaims,
        actor: AccessClaims,
        allowed: AllowedActors,
        scopes: ScopeSet,
    }

    impl Case {
        fn new() -> Self {
            let (tenant, a, b) = (TenantId::new(), AgentId::new(), AgentId::new());
            Self {
                subject: claims(a, tenant, "read write", ISSUER, NOW + 600),
                actor: claims(b, tenant, "other", ISSUER, NOW + 900),
                allowed: AllowedActors::parse(&[b.to_string()]).unwrap(),
                scopes: ScopeSet::parse("read write admin").unwrap(),
                tenant,
                a,
                b,
            }
        }

        fn grant(&self, wanted: Wanted) -> Result<Delegated, Refusal> {
            Delegation {
                subject: &self.subject,
                actor: &self.actor,
                allowed_actors: &self.allowed,
                allowed_scopes: &self.scopes,
                issuer: ISSUER,
                max_ttl_secs: 3600,
            }
            .grant((self.tenant, self.a), (self.tenant, self.b), wanted, NOW)
        }
    }

    fn scope(s: &str) -> Option<ScopeSet> {
        Some(ScopeSet::parse(s).unwrap())
    }

    #[test]
    fn a_listed_actor_gets_the_subject_scopes_for_the_subject_tokens_remaining_life() {
        let case = Case::new();
        let d = case.grant(Wanted::default()).unwrap();
        assert_eq!(d.scope.to_string(), "read write");
        assert_eq!(d.ttl_secs, 600);
        assert_eq!(d.audience, None);
        assert_eq!(
            d.act,
            Actor {
                sub: case.b.to_string(),
                act: None
            }
        );
    }

    #[test]
    fn an_unlisted_actor_or_one_of_another_tenant_is_refused() {
        let mut case = Case::new();
        case.allowed = AllowedActors::default();
        assert_eq!(case.grant(Wanted::default()), Err(Refusal::NotAllowed));
        let case = Case::new();
        let other = Delegation {
            subject: &case.subject,
            actor: &case.actor,
            allowed_actors: &case.allowed,
            allowed_scopes: &case.scopes,
            issuer: ISSUER,
            max_ttl_secs: 3600,
        }
        .grant(
            (case.tenant, case.a),
            (TenantId::new(), case.b),
            Wanted::default(),
            NOW,
        );
        assert_eq!(other, Err(Refusal::OtherTenant));
    }

    #[test]
    fn scopes_never_widen_beyond_the_subject_token_or_the_agents_current_scopes() {
        let mut case = Case::new();
        let wanted = |s| Wanted {
            scope: scope(s),
            ..Wanted::default()
        };
        assert_eq!(
            case.grant(wanted("read")).unwrap().scope.to_string(),
            "read"
        );
        assert_eq!(
            case.grant(wanted("admin")),
            Err(Refusal::ScopeWidened("admin".into()))
        );
        case.scopes = ScopeSet::parse("read").unwrap();
        assert_eq!(
            case.grant(Wanted::default()).unwrap().scope.to_string(),
            "read"
        );
        assert_eq!(
            case.grant(wanted("write")),
            Err(Refusal::ScopeWidened("write".into()))
        );
    }

    #[test]
    fn the_lifetime_is_bounded_by_both_tokens_and_a_longer_one_is_refused() {
        let mut case = Case::new();
        let asked = |n| Wanted {
            expires_in: Some(n),
            ..Wanted::default()
        };
        assert_eq!(case.grant(asked(60)).unwrap().ttl_secs, 60);
        assert_eq!(
            case.grant(asked(601)),
            Err(Refusal::LifetimeTooLong { max: 600 })
        );
        case.actor.exp = NOW + 30;
        assert_eq!(case.grant(Wanted::default()).unwrap().ttl_secs, 30);
        case.actor.exp = NOW;
        assert_eq!(case.grant(Wanted::default()), Err(Refusal::ExpiresTooSoon));
    }

    #[test]
    fn a_token_for_this_server_narrows_to_any_target_but_a_bound_one_keeps_its_audience() {
        let mut case = Case::new();
        let target = |t: &str| Wanted {
            audience: Some(Resource::parse(t).unwrap()),
            ..Wanted::default()
        };
        let d = case.grant(target("https://tools.example")).unwrap();
        assert_eq!(d.audience.unwrap().as_str(), "https://tools.example");
        case.subject.aud = Audience::One("https://tools.example".into());
        assert_eq!(
            case.grant(Wanted::default())
                .unwrap()
                .audience
                .unwrap()
                .as_str(),
            "https://tools.example"
        );
        assert!(case.grant(target("https://tools.example")).is_ok());
        assert_eq!(
            case.grant(target("https://bank.example")),
            Err(Refusal::AudienceWidened)
        );
        assert_eq!(case.grant(target(ISSUER)), Err(Refusal::AudienceWidened));
    }

    #[test]
    fn chains_nest_the_earlier_actors_and_stop_at_the_limit() {
        let mut case = Case::new();
        let earlier = Actor {
            sub: "first".into(),
            act: None,
        };
        case.subject.act = Some(earlier.clone());
        let d = case.grant(Wanted::default()).unwrap();
        let chain: Vec<&str> = d.act.chain().map(|a| a.sub.as_str()).collect();
        assert_eq!(chain, [case.b.to_string().as_str(), "first"]);
        let mut long = earlier;
        for i in 1..MAX_CHAIN {
            long = Actor {
                sub: format!("a{i}"),
                act: Some(Box::new(long)),
            };
        }
        case.subject.act = Some(long);
        assert_eq!(case.grant(Wanted::default()), Err(Refusal::ChainTooLong));
    }

    #[test]
    fn a_delegated_token_cannot_stand_for_its_actor() {
        let mut case = Case::new();
        case.actor.act = Some(Actor {
            sub: "x".into(),
            act: None,
        });
        assert_eq!(case.grant(Wanted::default()), Err(Refusal::DelegatedActor));
    }

    #[test]
    fn allowed_actors_are_ids_deduplicated_and_bounded() {
        let id = AgentId::new().to_string();
        let parsed = AllowedActors::parse(&[id.clone(), id.clone()]).unwrap();
        assert_eq!(parsed.to_string(), id);
        assert_eq!(
            AllowedActors::from_stored(&parsed.to_string()),
            Some(parsed)
        );
        assert!(AllowedActors::parse(&["bot"]).is_err());
        let many: Vec<String> = (0..=MAX_ALLOWED_ACTORS)
            .map(|_| AgentId::new().to_string())
            .collect();
        assert!(AllowedActors::parse(&many).is_err());
        assert_eq!(
            AllowedActors::from_stored(""),
            Some(AllowedActors::default())
        );
    }
}
