//! Client assertions (RFC 7523 §2.2, OpenID Connect Core §9 `private_key_jwt`): the JWT a
//! client signs with its registered key instead of sending a secret. Parsing and the claim
//! rules live here; finding the key and remembering `jti`s is the service's business.

use serde::Deserialize;

use super::client_key::ClientKey;
use super::jws::{CompactJws, Malformed, decode_json};
use super::keys::Algorithm;
use super::time::Timestamp;
use super::token::Audience;

/// The `client_assertion_type` of a JWT client assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead an assertion's `exp` may be.
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Clock skew tolerated between the client and this server.
pub const LEEWAY_SECS: i64 = 30;
/// Longest assertion parsed.
const MAX_ASSERTION_LEN: usize = 8 * 1024;
/// Longest `jti` accepted.
const MAX_JTI_LEN: usize = 256;

/// The claims RFC 7523 §3 requires of an assertion, and the optional times.
#[derive(Debug, Deserialize)]
pub struct AssertionClaims {
    /// Issuer: the client id.
    pub iss: String,
    /// Subject: the client id.
    pub sub: String,
    /// This server's token endpoint or issuer.
    pub aud: Audience,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Single-use id.
    pub jti: String,
    /// Issued-at, if given.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Not-before, if given.
    #[serde(default)]
    pub nbf: Option<i64>,
}

/// A parsed, not yet verified, client assertion.
#[derive(Debug)]
pub struct ClientAssertion<'a> {
    signed: &'a str,
    signature: Vec<u8>,
    alg: Algorithm,
    kid: Option<String>,
    /// Its claims.
    pub claims: AssertionClaims,
}

/// The `sub` an assertion claims, read without verifying anything: only for choosing which
/// failure budget an attempt counts against.
pub fn subject_hint(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Subject {
        sub: String,
    }
    let payload = text.split('.').nth(1)?;
    decode_json::<Subject>(payload).map(|s| s.sub.chars().take(64).collect())
}

impl<'a> ClientAssertion<'a> {
    /// Parses a compact JWS; `Err` says why it is not a usable assertion. Only the asymmetric
    /// algorithms a registered key can have are accepted: `none` and HMAC never are.
    pub fn parse(text: &'a str) -> Result<Self, &'static str> {
        if text.len() > MAX_ASSERTION_LEN {
            return Err("the client assertion is too long");
        }
        let jws = CompactJws::split(text).map_err(|e| match e {
            Malformed::NotCompact => "the client assertion is not a compact JWS",
            Malformed::Header => "the client assertion's header is malformed",
        })?;
        let alg = Algorithm::parse_client(&jws.header.alg).ok_or(
            "the client assertion's algorithm is not accepted (RS256, ES256, EdDSA or Ed25519)",
        )?;
        let claims: AssertionClaims = jws
            .claims()
            .ok_or("the client assertion's claims are malformed or incomplete")?;
        let signature = jws
            .signature()
            .ok_or("the client assertion's signature is not base64url")?;
        Ok(Self {
            signed: jws.signed(),
            signature,
            alg,
            kid: jws.header.kid,
            claims,
        })
    }

    /// Whether `key` signed this assertion: its `kid` (when the header names one), its pinned
    /// algorithm and the signature must all match.
    pub fn signed_by(&self, key: &ClientKey) -> bool {
        self.kid.as_deref().is_none_or(|kid| kid == key.kid())
            && self.alg == key.alg()
            && key.verify(self.signed.as_bytes(), &self.signature)
    }

    /// Checks the claims for `client_id` at `now`: `iss` = `sub` = the client, an `aud` among
    /// `audiences`, not expired, `exp` at most [`MAX_LIFETIME_SECS`] ahead, a `jti`.
    pub fn check(
        &self,
        client_id: &str,
        audiences: &[&str],
        now: Timestamp,
    ) -> Result<(), &'static str> {
        let c = &self.claims;
        let now = now.unix_seconds();
        if c.iss != client_id || c.sub != client_id {
            return Err("the client assertion's iss and sub must both be the client id");
        }
        if !audiences.iter().any(|a| c.aud.contains(a)) {
            return Err(
                "the client assertion's aud must be this server's token endpoint or issuer",
            );
        }
        if c.exp + LEEWAY_SECS <= now {
            return Err("the client assertion has expired");
        }
        if c.exp > now + MAX_LIFETIME_SECS + LEEWAY_SECS {
            return Err("the client assertion's exp is more than 5 minutes ahead");
        }
        if c.nbf.or(c.iat).is_some_and(|t| t > now + LEEWAY_SECS) {
            return Err("the client assertion is not valid yet");
        }
        if c.jti.is_empty() || c.jti.len() > MAX_JTI_LEN {
            return Err("the client assertion must have a jti of 1 to 256 characters");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keys::SigningKey;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use serde_json::json;

    const TOKEN_ENDPOINT: &str = "https://idp.example/oauth2/token";

    fn sign(signer: &SigningKey, claims: serde_json::Value) -> String {
        signer
            .sign_jws(claims.to_string().as_bytes())
            .expect("sign")
    }

    fn claims(now: i64) -> serde_json::Value {
        json!({"iss": "c1", "sub": "c1", "aud": TOKEN_ENDPOINT, "exp": now + 60, "jti": "j1"})
    }

    #[test]
    fn a_well_formed_assertion_verifies_and_passes_its_checks() {
        let (signer, _) = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let key = ClientKey::parse(&signer.jwk()).expect("jwk");
        let now = Timestamp::now();
        let text = sign(&signer, claims(now.unix_seconds()));
        let a = ClientAssertion::parse(&text).expect("parse");
        assert!(a.signed_by(&key));
        assert_eq!(a.check("c1", &[TOKEN_ENDPOINT], now), Ok(()));
    }

    #[test]
    fn each_claim_rule_refuses_with_its_reason() {
        let (signer, _) = SigningKey::generate(Algorithm::Es256).expect("key");
        let now = Timestamp::now();
        let t = now.unix_seconds();
        let cases = [
            (json!({"iss": "other"}), "iss and sub"),
            (json!({"aud": "https://elsewhere"}), "aud"),
            (json!({"exp": t - 31}), "expired"),
            (json!({"exp": t + 400}), "5 minutes"),
            (json!({"nbf": t + 120}), "not valid yet"),
            (json!({"jti": ""}), "jti"),
        ];
        for (change, reason) in cases {
            let mut c = claims(t);
            for (k, v) in change.as_object().expect("object") {
                c[k] = v.clone();
            }
            let text = sign(&signer, c);
            let err = ClientAssertion::parse(&text)
                .expect("parse")
                .check("c1", &[TOKEN_ENDPOINT], now)
                .expect_err(reason);
            assert!(err.contains(reason), "{err} / {reason}");
        }
    }

    #[test]
    fn none_and_hmac_assertions_and_foreign_keys_are_refused() {
        let body = B64.encode(claims(0).to_string());
        for alg in ["none", "HS256"] {
            let header = B64.encode(json!({"alg": alg}).to_string());
            let err = ClientAssertion::parse(&format!("{header}.{body}.c2ln")).expect_err(alg);
            assert!(err.contains("algorithm"));
        }
        let (signer, _) = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let (other, _) = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let text = sign(&signer, claims(0));
        let a = ClientAssertion::parse(&text).expect("parse");
        assert!(!a.signed_by(&ClientKey::parse(&other.jwk()).expect("jwk")));
    }
}
