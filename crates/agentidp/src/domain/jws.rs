//! A compact JWS (RFC 7515 §7.1) taken apart before anything in it is trusted: its three
//! parts and its JOSE header. Each reader (this server's access tokens, client assertions,
//! workload identity tokens) applies its own rules to the algorithm, claims and signature,
//! in its own order and words.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use serde_json::Value;

/// The JOSE header members the readers look at.
#[derive(Debug, Deserialize)]
pub struct Header {
    /// The signature algorithm.
    pub alg: String,
    /// The signing key's id, if named.
    #[serde(default)]
    pub kid: Option<String>,
    /// The media type, if given (any JSON: only access tokens check it, as a string).
    #[serde(default)]
    pub typ: Option<Value>,
}

/// Why a text is not a compact JWS with a readable header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not three dot-separated parts.
    NotCompact,
    /// The header is not base64url JSON with an `alg`.
    Header,
}

/// A compact JWS split into its parts, its header decoded; nothing verified.
#[derive(Debug)]
pub struct CompactJws<'a> {
    /// The decoded header.
    pub header: Header,
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
}

/// The JSON value a base64url part encodes, if it does.
pub fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    serde_json::from_slice(&B64.decode(part).ok()?).ok()
}

impl<'a> CompactJws<'a> {
    /// Splits `text` and decodes its header.
    pub fn split(text: &'a str) -> Result<Self, Malformed> {
        let mut parts = text.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Malformed::NotCompact);
        };
        let header = decode_json(h).ok_or(Malformed::Header)?;
        Ok(Self {
            header,
            signed: &text[..h.len() + 1 + p.len()],
            payload: p,
            signature: s,
        })
    }

    /// The signing input: header and payload as sent.
    pub fn signed(&self) -> &'a str {
        self.signed
    }

    /// The claims, if the payload is base64url JSON of type `T`.
    pub fn claims<T: for<'de> Deserialize<'de>>(&self) -> Option<T> {
        decode_json(self.payload)
    }

    /// The signature bytes, if the part is base64url.
    pub fn signature(&self) -> Option<Vec<u8>> {
        B64.decode(self.signature).ok()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use serde_json::json;

    use super::*;

    fn b64(v: &Value) -> String {
        B64.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn a_compact_jws_splits_into_its_header_claims_and_signature() {
        let text = format!(
            "{}.{}.{}",
            b64(&json!({"alg": "EdDSA", "kid": "k"})),
            b64(&json!({"sub": "a"})),
            B64.encode([1u8, 2])
        );
        let jws = CompactJws::split(&text).unwrap();
        assert_eq!(jws.header.alg, "EdDSA");
        assert_eq!(jws.header.kid.as_deref(), Some("k"));
        assert_eq!(jws.claims::<Value>().unwrap(), json!({"sub": "a"}));
        assert_eq!(jws.signature().unwrap(), [1, 2]);
        assert_eq!(jws.signed(), &text[..text.rfind('.').unwrap()]);
    }

    #[test]
    fn anything_else_is_malformed() {
        for text in ["a.b", "a.b.c.d", ""] {
            assert_eq!(
                CompactJws::split(text).unwrap_err(),
                Malformed::NotCompact,
                "{text}"
            );
        }
        let no_alg = format!("{}.e30.", b64(&json!({"kid": "k"})));
        assert_eq!(CompactJws::split(&no_alg).unwrap_err(), Malformed::Header);
        let bad = format!("{}.!!.!!", b64(&json!({"alg": "EdDSA"})));
        let jws = CompactJws::split(&bad).unwrap();
        assert!(jws.claims::<Value>().is_none() && jws.signature().is_none());
    }
}
