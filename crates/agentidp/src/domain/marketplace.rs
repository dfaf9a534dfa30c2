//! The public marketplace: what a search asks for (words, a capability, a publisher) and the
//! text of an agent that a search matches against.

use super::agent::{self, Agent};
use super::{DomainError, DomainResult};

/// Most words a search uses; more are refused rather than silently dropped.
pub const MAX_TERMS: usize = 8;
/// Longest `q` accepted.
const MAX_QUERY_LEN: usize = 256;

/// A validated marketplace search. Every part is optional; all given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Lower-case words an agent's text must all contain, each as a whole word or a prefix
    /// (so that typing `fore` finds `forecast`).
    pub terms: Vec<String>,
    /// A capability the agent must declare, exactly.
    pub capability: Option<String>,
    /// The name of the tenant that must publish the agent.
    pub publisher: Option<String>,
}

impl Search {
    /// Parses the query parameters of a search. `q` is split into words at every character
    /// that is not a letter or a digit, so punctuation can never reach a full-text query
    /// language.
    pub fn parse(
        q: Option<&str>,
        capability: Option<String>,
        publisher: Option<String>,
    ) -> DomainResult<Self> {
        let terms = match q {
            None => Vec::new(),
            Some(q) => parse_terms(q)?,
        };
        let capability = capability
            .map(|c| {
                agent::parse_capabilities(vec![c]).and_then(|mut parsed| {
                    parsed
                        .pop()
                        .ok_or_else(|| invalid("capability", "must not be empty"))
                })
            })
            .transpose()
            .map_err(|_| {
                invalid(
                    "capability",
                    "must be a lower-case token like `weather:forecast` (at most 64 characters)",
                )
            })?;
        if let Some(p) = &publisher
            && (p.is_empty() || p.chars().count() > 128 || p.chars().any(char::is_control))
        {
            return Err(invalid(
                "publisher",
                "must be a tenant name of 1 to 128 characters",
            ));
        }
        Ok(Self {
            terms,
            capability,
            publisher,
        })
    }

    /// The words of the capability filter, as the full-text index holds them: a search by
    /// capability first narrows by these, then checks the capability exactly.
    pub fn capability_terms(&self) -> Vec<String> {
        self.capability.as_deref().map(words).unwrap_or_default()
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Validation {
        field,
        message: message.into(),
    }
}

/// The words of `text`: maximal runs of letters and digits, lower-cased.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn parse_terms(q: &str) -> DomainResult<Vec<String>> {
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(invalid("q", format!("at most {MAX_QUERY_LEN} characters")));
    }
    let mut terms = words(q);
    // A repeated word narrows nothing; it would only be matched twice.
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    if terms.is_empty() {
        return Err(invalid("q", "must contain at least one letter or digit"));
    }
    if terms.len() > MAX_TERMS {
        return Err(invalid("q", format!("at most {MAX_TERMS} words")));
    }
    Ok(terms)
}

/// The text a marketplace search matches against: the words of the agent's name,
/// description, type, capabilities and skills (names, descriptions and tags), lower-case and
/// separated by single spaces. Stored with the agent, already split into words, so that
/// SQLite's and PostgreSQL's full-text parsers see the same words (PostgreSQL's would
/// otherwise keep `data.read` whole, as a host name).
pub fn listing_text(agent: &Agent) -> String {
    let mut parts: Vec<&str> = vec![&agent.name, &agent.description, &agent.agent_type];
    parts.extend(agent.capabilities.iter().map(String::as_str));
    for s in &agent.card.skills {
        parts.push(&s.name);
        parts.push(&s.description);
        parts.extend(s.tags.iter().map(String::as_str));
    }
    parts
        .into_iter()
        .flat_map(words)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn a_query_is_split_into_lower_case_words_and_punctuation_is_dropped() {
        let s = Search::parse(Some("Weather: \"forecast\" OR*(NEAR)"), None, None).unwrap();
        assert_eq!(s.terms, ["weather", "forecast", "or", "near"]);
    }

    #[test]
    fn an_empty_or_oversized_query_is_refused() {
        assert!(Search::parse(Some(" -- "), None, None).is_err());
        assert!(Search::parse(Some("a b c d e f g h i"), None, None).is_err());
        assert!(Search::parse(Some(&"x".repeat(300)), None, None).is_err());
    }

    #[test]
    fn the_listing_text_is_the_agents_words() {
        let text = "Météo-Bot: forecasts (v2.1) weather:forecast";
        assert_eq!(
            words(text),
            [
                "météo",
                "bot",
                "forecasts",
                "v2",
                "1",
                "weather",
                "forecast"
            ]
        );
    }

    #[test]
    fn a_capability_filter_is_a_capability_token_and_yields_its_words() {
        let s = Search::parse(None, Some("weather:forecast".into()), None).unwrap();
        assert_eq!(s.capability_terms(), ["weather", "forecast"]);
        assert!(Search::parse(None, Some("Not A Token".into()), None).is_err());
    }
}
