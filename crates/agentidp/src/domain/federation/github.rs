//! The GitHub Actions shorthand of a trust policy: a repository and what to pin in it, stored
//! as the claims GitHub's identity tokens carry.

use serde_json::Value;

use super::{ClaimRule, ClaimRules, DomainResult, check_text, invalid};

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The product's shorthand for a GitHub Actions policy: a repository and what to pin in it.
#[derive(Debug, Clone, Default)]
pub struct GithubShorthand {
    /// `owner/repo`.
    pub repository: String,
    /// A branch name (pins `ref` to `refs/heads/{branch}`); a final `*` matches a prefix.
    pub branch: Option<String>,
    /// A deployment environment (pins `environment`).
    pub environment: Option<String>,
    /// The repository's numeric id: survives renames and re-creation under the same name.
    pub repository_id: Option<String>,
    /// The owner's numeric id: survives the owner's renames.
    pub repository_owner_id: Option<String>,
    /// The events allowed to run (pins `event_name`), e.g. `push`: leaving out
    /// `pull_request` keeps pull requests, forks' included, out.
    pub events: Vec<String>,
}

impl GithubShorthand {
    /// The claims the shorthand stands for, under [`GITHUB_ISSUER`].
    pub fn claims(&self) -> DomainResult<ClaimRules> {
        let (owner, name) = self
            .repository
            .split_once('/')
            .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| invalid("repository", "must be owner/repo"))?;
        if self.repository.contains('*') {
            return Err(invalid("repository", "must name one repository"));
        }
        check_text("repository", owner)?;
        check_text("repository", name)?;
        let mut rules = ClaimRules::default();
        let one = |v: &str| ClaimRule::parse(&Value::String(v.to_owned()));
        rules.pin("repository", one(&self.repository)?);
        if let Some(branch) = &self.branch {
            rules.pin("ref", one(&format!("refs/heads/{branch}"))?);
        }
        if let Some(environment) = &self.environment {
            rules.pin("environment", one(environment)?);
        }
        for (claim, id) in [
            ("repository_id", &self.repository_id),
            ("repository_owner_id", &self.repository_owner_id),
        ] {
            if let Some(id) = id {
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid("repositoryId", "GitHub ids are decimal numbers"));
                }
                rules.pin(claim, one(id)?);
            }
        }
        if !self.events.is_empty() {
            let events = Value::Array(self.events.iter().cloned().map(Value::String).collect());
            rules.pin("event_name", ClaimRule::parse(&events)?);
        }
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::super::Mismatch;
    use super::super::PolicyRules;
    use super::super::test_support::{github_token, rules};
    use super::*;

    #[test]
    fn the_github_shorthand_pins_repository_branch_ids_and_events() {
        let shorthand = GithubShorthand {
            repository: "acme/api".into(),
            branch: Some("main".into()),
            repository_id: Some("123456".into()),
            events: vec!["push".into()],
            ..GithubShorthand::default()
        };
        let claims = shorthand.claims().unwrap();
        assert_eq!(
            Value::Object(claims.to_json()),
            json!({"repository": "acme/api", "ref": "refs/heads/main", "repository_id": "123456", "event_name": "push"})
        );
        let policy = PolicyRules {
            claims,
            ..rules(json!({}))
        };
        assert_eq!(policy.check(&github_token(json!({}))), Ok(()));
        assert_eq!(
            policy.check(&github_token(json!({"repository": "acme/api-renamed"}))),
            Err(Mismatch(vec!["repository".into()])),
            "the name is pinned as well as the id: a rename must be reflected in the policy"
        );
        assert_eq!(
            policy.check(&github_token(
                json!({"event_name": "pull_request", "ref": "refs/pull/1/merge"})
            )),
            Err(Mismatch(vec!["event_name".into(), "ref".into()])),
            "a fork's pull request"
        );
        for bad in ["acme", "acme/", "/api", "acme/api/x", "acme/*"] {
            let s = GithubShorthand {
                repository: bad.into(),
                ..GithubShorthand::default()
            };
            assert!(s.claims().is_err(), "{bad}");
        }
        let bad_id = GithubShorthand {
            repository: "acme/api".into(),
            repository_id: Some("12a".into()),
            ..GithubShorthand::default()
        };
        assert!(bad_id.claims().is_err());
    }
}
