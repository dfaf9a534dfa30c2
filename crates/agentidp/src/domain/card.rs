//! What an agent publishes about itself for its A2A agent card (A2A protocol 1.0): where it
//! is served, its documentation and icon, and its skills, validated.

use serde::{Deserialize, Serialize};

use super::{DomainError, DomainResult};

/// Most skills an agent lists.
pub const MAX_SKILLS: usize = 50;
/// Longest URL accepted.
const MAX_URL_LEN: usize = 2048;

/// One skill (A2A `AgentSkill`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    /// Unique among the agent's skills.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Keywords.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Example requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// An agent's card fields, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardFields {
    /// Where the agent serves A2A requests (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Its documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Its icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Its skills.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<Skill>,
}

/// A change to the card fields: `Some(None)` clears a URL.
#[derive(Debug, Clone, Default)]
pub struct CardPatch {
    /// New endpoint.
    pub endpoint_url: Option<Option<String>>,
    /// New documentation URL.
    pub documentation_url: Option<Option<String>>,
    /// New icon URL.
    pub icon_url: Option<Option<String>>,
    /// New skills (replace the old ones).
    pub skills: Option<Vec<Skill>>,
}

impl CardPatch {
    /// Whether the patch changes anything.
    pub fn is_empty(&self) -> bool {
        self.endpoint_url.is_none()
            && self.documentation_url.is_none()
            && self.icon_url.is_none()
            && self.skills.is_none()
    }
}

impl CardFields {
    /// Applies a patch.
    pub fn apply(&mut self, patch: CardPatch) {
        if let Some(url) = patch.endpoint_url {
            self.endpoint_url = url;
        }
        if let Some(url) = patch.documentation_url {
            self.documentation_url = url;
        }
        if let Some(url) = patch.icon_url {
            self.icon_url = url;
        }
        if let Some(skills) = patch.skills {
            self.skills = skills;
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Validation {
        field,
        message: message.into(),
    }
}

/// An absolute `https://` URL (at most 2048 characters); an empty one means "none".
pub fn parse_url(field: &'static str, url: String) -> DomainResult<Option<String>> {
    if url.is_empty() {
        return Ok(None);
    }
    let rest = url.strip_prefix("https://").unwrap_or_default();
    let host_ok = rest
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|host| !host.is_empty() && !host.contains('@'));
    if url.len() > MAX_URL_LEN
        || !host_ok
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            field,
            "must be an absolute https:// URL of at most 2048 characters",
        ));
    }
    Ok(Some(url))
}

fn text(field: &'static str, s: &str, min: usize, max: usize) -> DomainResult<()> {
    let n = s.chars().count();
    if n < min || n > max || s.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("each must be {min} to {max} printable characters"),
        ));
    }
    Ok(())
}

/// Validates skills: at most 50, unique ids (1–128 characters), a name (1–128) and a
/// description (1–1024), 1 to 20 tags (1–64) and at most 10 examples (1–512) each.
pub fn parse_skills(skills: Vec<Skill>) -> DomainResult<Vec<Skill>> {
    if skills.len() > MAX_SKILLS {
        return Err(invalid("skills", format!("at most {MAX_SKILLS} skills")));
    }
    let mut ids = std::collections::HashSet::new();
    for s in &skills {
        text("skills", &s.id, 1, 128)?;
        text("skills", &s.name, 1, 128)?;
        text("skills", &s.description, 1, 1024)?;
        if s.tags.is_empty() || s.tags.len() > 20 || s.examples.len() > 10 {
            return Err(invalid(
                "skills",
                "a skill has 1 to 20 tags (A2A requires them) and at most 10 examples",
            ));
        }
        for tag in &s.tags {
            text("skills", tag, 1, 64)?;
        }
        for example in &s.examples {
            text("skills", example, 1, 512)?;
        }
        if !ids.insert(s.id.as_str()) {
            return Err(invalid(
                "skills",
                format!("skill id {:?} appears twice", s.id),
            ));
        }
    }
    Ok(skills)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(id: &str) -> Skill {
        Skill {
            id: id.into(),
            name: "Forecast".into(),
            description: "Weather forecasts".into(),
            tags: vec!["weather".into()],
            examples: vec![],
        }
    }

    #[test]
    fn skills_need_unique_ids_and_tags() {
        assert!(parse_skills(vec![skill("a"), skill("b")]).is_ok());
        assert!(parse_skills(vec![skill("a"), skill("a")]).is_err());
        let mut untagged = skill("a");
        untagged.tags.clear();
        assert!(parse_skills(vec![untagged]).is_err());
    }

    #[test]
    fn only_https_urls_are_card_urls_and_an_empty_one_clears() {
        assert_eq!(parse_url("endpointUrl", String::new()).ok(), Some(None));
        assert!(parse_url("endpointUrl", "https://a.example/rpc".into()).is_ok());
        for bad in [
            "http://a.example",
            "https://",
            "https://u@a.example",
            "https://a b",
        ] {
            assert!(parse_url("endpointUrl", bad.into()).is_err(), "{bad}");
        }
    }
}
