//! Pinned claims: each claim a policy pins is one value or a list of alternatives, a value
//! ending in `*` matching as a prefix; registered claims are pinned through the policy's own
//! fields instead.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{DomainResult, check_text, invalid};

/// Most claims a policy pins besides `iss`, `aud` and `sub`.
pub const MAX_CLAIMS: usize = 32;
/// Most alternatives one claim lists.
pub const MAX_ALTERNATIVES: usize = 16;
/// Registered JWT claims a policy checks through its own fields, not through `claims`.
const RESERVED_CLAIMS: [&str; 7] = ["iss", "aud", "sub", "exp", "nbf", "iat", "jti"];

/// How one value of a claim may match: exactly, or as a prefix (written with a final `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuePattern {
    /// The claim equals this text.
    Exact(String),
    /// The claim starts with this (non-empty) text.
    Prefix(String),
}

impl ValuePattern {
    /// Parses one pinned value; a bare `*` (which would pin nothing) is refused.
    pub fn parse(value: &str) -> DomainResult<Self> {
        check_text("claims", value)?;
        match value.strip_suffix('*') {
            Some("") => Err(invalid(
                "claims",
                "a bare \"*\" would match anything; pin a value or leave the claim out",
            )),
            Some(prefix) => Ok(Self::Prefix(prefix.to_owned())),
            None => Ok(Self::Exact(value.to_owned())),
        }
    }

    fn matches(&self, actual: &str) -> bool {
        match self {
            Self::Exact(v) => actual == v,
            Self::Prefix(p) => actual.starts_with(p.as_str()),
        }
    }

    /// The pattern as written.
    pub fn to_text(&self) -> String {
        match self {
            Self::Exact(v) => v.clone(),
            Self::Prefix(p) => format!("{p}*"),
        }
    }
}

/// What a claim must be: any of its alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRule(Vec<ValuePattern>);

impl ClaimRule {
    /// Parses a pinned claim: a string, or a non-empty list of strings (any of them).
    pub fn parse(value: &Value) -> DomainResult<Self> {
        let texts: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) if !items.is_empty() && items.len() <= MAX_ALTERNATIVES => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| invalid("claims", "alternatives must be strings"))
                })
                .collect::<DomainResult<_>>()?,
            Value::Array(_) => {
                return Err(invalid(
                    "claims",
                    format!("a list must hold 1 to {MAX_ALTERNATIVES} values"),
                ));
            }
            _ => {
                return Err(invalid(
                    "claims",
                    "a claim is pinned to a string or a list of strings",
                ));
            }
        };
        texts
            .into_iter()
            .map(ValuePattern::parse)
            .collect::<DomainResult<_>>()
            .map(Self)
    }

    /// Whether the token's claim matches: strings as they are, numbers and booleans by their
    /// JSON text (GitHub sends ids as strings, other issuers as numbers); anything else, or a
    /// missing claim, never matches.
    pub fn matches(&self, actual: Option<&Value>) -> bool {
        let text = match actual {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => return false,
        };
        self.0.iter().any(|p| p.matches(&text))
    }

    /// The rule as JSON: one string, or the list.
    pub fn to_json(&self) -> Value {
        match self.0.as_slice() {
            [one] => Value::String(one.to_text()),
            many => Value::Array(many.iter().map(|p| Value::String(p.to_text())).collect()),
        }
    }
}

/// The claims a policy pins besides issuer, audience and subject, by claim name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimRules(BTreeMap<String, ClaimRule>);

impl ClaimRules {
    /// Parses the `claims` object of a policy.
    pub fn parse(claims: &Map<String, Value>) -> DomainResult<Self> {
        if claims.len() > MAX_CLAIMS {
            return Err(invalid(
                "claims",
                format!("at most {MAX_CLAIMS} claims may be pinned"),
            ));
        }
        let mut rules = BTreeMap::new();
        for (name, value) in claims {
            check_text("claims", name)?;
            if RESERVED_CLAIMS.contains(&name.as_str()) {
                return Err(invalid(
                    "claims",
                    format!("\"{name}\" is checked through the policy's own fields, not claims"),
                ));
            }
            rules.insert(name.clone(), ClaimRule::parse(value)?);
        }
        Ok(Self(rules))
    }

    /// The rules as the `claims` object.
    pub fn to_json(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(name, rule)| (name.clone(), rule.to_json()))
            .collect()
    }

    /// Adds `other`'s rules, replacing any of the same claim.
    pub fn extend(&mut self, other: ClaimRules) {
        self.0.extend(other.0);
    }

    /// Inserts or replaces one rule.
    pub fn pin(&mut self, name: &str, rule: ClaimRule) {
        self.0.insert(name.to_owned(), rule);
    }

    /// Each pinned claim's name and rule, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ClaimRule)> {
        self.0.iter()
    }

    /// Whether no claim is pinned.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::*;

    #[test]
    fn a_claim_matches_exactly_by_prefix_or_any_alternative_and_never_a_bare_star() {
        let exact = ClaimRule::parse(&json!("refs/heads/main")).unwrap();
        assert!(exact.matches(Some(&json!("refs/heads/main"))));
        assert!(!exact.matches(Some(&json!("refs/heads/main2"))));
        assert!(!exact.matches(None));
        let prefix = ClaimRule::parse(&json!("refs/heads/release/*")).unwrap();
        assert!(prefix.matches(Some(&json!("refs/heads/release/1.2"))));
        assert!(!prefix.matches(Some(&json!("refs/heads/main"))));
        let any = ClaimRule::parse(&json!(["push", "workflow_dispatch"])).unwrap();
        assert!(any.matches(Some(&json!("workflow_dispatch"))));
        assert!(!any.matches(Some(&json!("pull_request"))));
        let id = ClaimRule::parse(&json!("123456")).unwrap();
        assert!(
            id.matches(Some(&json!(123_456))),
            "numbers by their JSON text"
        );
        assert!(!id.matches(Some(&json!(["123456"]))));
        for bad in [json!("*"), json!(""), json!([]), json!(7), json!(["a", 1])] {
            assert!(ClaimRule::parse(&bad).is_err(), "{bad}");
        }
        assert_eq!(prefix.to_json(), json!("refs/heads/release/*"));
        assert_eq!(any.to_json(), json!(["push", "workflow_dispatch"]));
    }

    #[test]
    fn registered_claims_are_pinned_through_the_policy_fields() {
        for name in ["iss", "aud", "sub", "exp", "jti"] {
            let claims = json!({ name: "x" });
            assert!(
                ClaimRules::parse(claims.as_object().unwrap()).is_err(),
                "{name}"
            );
        }
    }
}
