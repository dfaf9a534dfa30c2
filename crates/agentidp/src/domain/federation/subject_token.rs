//! A workload's identity token (an OIDC ID token or other JWT its platform issues), as a token
//! exchange receives it: parsed without trust, then its signature checked against a key of
//! its issuer and its times against the clock. The algorithm is pinned to the key: `none` and
//! HMAC are never accepted, since an issuer's published keys are public.

use serde_json::{Map, Value};

use crate::domain::client_key::ClientKey;
use crate::domain::jws::{CompactJws, Malformed};
use crate::domain::keys::Algorithm;
use crate::domain::time::Timestamp;

/// Clock skew tolerated between the issuer and this server.
pub const SKEW_SECS: i64 = 60;
/// Longest subject token parsed.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// Longest `jti` accepted.
const MAX_JTI_LEN: usize = 256;

/// Why a subject token is refused; the text is safe to show its presenter.
pub type Refusal = &'static str;

/// A parsed, not yet verified, subject token.
#[derive(Debug)]
pub struct SubjectToken<'a> {
    signed: &'a str,
    signature: Vec<u8>,
    alg: Algorithm,
    /// The `kid` its header names, which selects the issuer's key.
    pub kid: Option<String>,
    /// Its claims.
    pub claims: Map<String, Value>,
    /// Its issuer (`iss`).
    pub issuer: String,
}

impl<'a> SubjectToken<'a> {
    /// Parses a compact JWS with an asymmetric algorithm and an `iss`.
    pub fn parse(text: &'a str) -> Result<Self, Refusal> {
        if text.len() > MAX_TOKEN_LEN {
            return Err("the subject token is too long");
        }
        let jws = CompactJws::split(text).map_err(|e| match e {
            Malformed::NotCompact => "the subject token is not a compact JWS",
            Malformed::Header => "the subject token's header is malformed",
        })?;
        let alg = Algorithm::parse_client(&jws.header.alg)
            .ok_or("the subject token's algorithm is not accepted (RS256, ES256 or EdDSA)")?;
        let claims: Map<String, Value> = jws
            .claims()
            .ok_or("the subject token's claims are malformed")?;
        let issuer = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or("the subject token has no iss")?
            .trim_end_matches('/')
            .to_owned();
        let signature = jws
            .signature()
            .ok_or("the subject token's signature is not base64url")?;
        Ok(Self {
            signed: jws.signed(),
            signature,
            alg,
            kid: jws.header.kid,
            claims,
            issuer,
        })
    }

    /// Whether `key` (one of the issuer's) signed this token with the key's own algorithm.
    pub fn signed_by(&self, key: &ClientKey) -> bool {
        self.alg == key.alg() && key.verify(self.signed.as_bytes(), &self.signature)
    }

    fn seconds(&self, claim: &str) -> Option<i64> {
        self.claims.get(claim).and_then(Value::as_i64)
    }

    /// Checks the times at `now` (each with [`SKEW_SECS`] of skew) and that the token has a
    /// `jti` to be spent; returns its `exp` and `jti`.
    pub fn check_times(&self, now: Timestamp) -> Result<(i64, &str), Refusal> {
        let now = now.unix_seconds();
        let exp = self.seconds("exp").ok_or("the subject token has no exp")?;
        if exp + SKEW_SECS <= now {
            return Err("the subject token has expired");
        }
        if self.seconds("nbf").is_some_and(|nbf| nbf > now + SKEW_SECS) {
            return Err("the subject token is not valid yet (nbf)");
        }
        if self.seconds("iat").is_some_and(|iat| iat > now + SKEW_SECS) {
            return Err("the subject token was issued in the future (iat)");
        }
        let jti = self
            .claims
            .get("jti")
            .and_then(Value::as_str)
            .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
            .ok_or("the subject token has no usable jti, so it could be replayed")?;
        Ok((exp, jti))
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    use serde_json::json;

    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    fn b64(v: &Value) -> String {
        B64.encode(serde_json::to_vec(v).unwrap())
    }

    fn key() -> (Ed25519KeyPair, ClientKey) {
        let pair = Ed25519KeyPair::generate().unwrap();
        let x = B64.encode(pair.public_key().as_ref());
        let jwk = ClientKey::parse(&json!({"kty": "OKP", "crv": "Ed25519", "x": x})).unwrap();
        (pair, jwk)
    }

    fn signed(pair: &Ed25519KeyPair, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        format!(
            "{input}.{}",
            B64.encode(pair.sign(input.as_bytes()).as_ref())
        )
    }

    fn claims(now: i64) -> Value {
        json!({"iss": "https://issuer.example.com/", "sub": "w", "aud": "x", "exp": now + 300,
               "iat": now, "nbf": now, "jti": "j-1"})
    }

    #[test]
    fn a_token_signed_by_the_issuers_key_in_time_is_accepted() {
        let (pair, jwk) = key();
        let now = Timestamp::now();
        let text = signed(
            &pair,
            &json!({"alg": "EdDSA", "kid": "k1"}),
            &claims(now.unix_seconds()),
        );
        let token = SubjectToken::parse(&text).unwrap();
        assert_eq!(token.issuer, "https://issuer.example.com");
        assert_eq!(token.kid.as_deref(), Some("k1"));
        assert!(token.signed_by(&jwk));
        assert!(!token.signed_by(&key().1), "another key");
        assert_eq!(token.check_times(now).unwrap().1, "j-1");
    }

    #[test]
    fn none_hmac_and_malformed_tokens_are_refused_before_any_key_is_looked_up() {
        let now = Timestamp::now().unix_seconds();
        for alg in ["none", "HS256", "PS256"] {
            let text = format!("{}.{}.", b64(&json!({"alg": alg})), b64(&claims(now)));
            assert!(SubjectToken::parse(&text).is_err(), "{alg}");
        }
        for text in ["a.b", "a.b.c.d", "", "!!.!!.!!"] {
            assert!(SubjectToken::parse(text).is_err(), "{text}");
        }
        let no_iss = format!(
            "{}.{}.c2ln",
            b64(&json!({"alg": "EdDSA"})),
            b64(&json!({"sub": "w"}))
        );
        assert_eq!(
            SubjectToken::parse(&no_iss).unwrap_err(),
            "the subject token has no iss"
        );
    }

    #[test]
    fn times_are_checked_with_a_minute_of_skew_and_a_jti_is_required() {
        let (pair, _) = key();
        let now = Timestamp::now();
        let t = now.unix_seconds();
        let check = |changes: Value| {
            let mut c = claims(t);
            for (k, v) in changes.as_object().unwrap() {
                c[k] = v.clone();
            }
            let text = signed(&pair, &json!({"alg": "EdDSA"}), &c);
            SubjectToken::parse(&text)
                .unwrap()
                .check_times(now)
                .map(|(exp, _)| exp)
        };
        assert!(check(json!({"exp": t - 30})).is_ok(), "within the skew");
        assert!(check(json!({"exp": t - 61})).is_err(), "expired");
        assert!(check(json!({"nbf": t + 120})).is_err(), "not yet valid");
        assert!(
            check(json!({"iat": t + 120})).is_err(),
            "issued in the future"
        );
        assert!(check(json!({"jti": ""})).is_err(), "no jti");
        assert!(check(json!({"exp": "soon"})).is_err(), "exp not a number");
    }
}
