//! Stripe webhook signatures (`Stripe-Signature: t=<unix time>,v1=<hex>[,v1=…]`): an
//! HMAC-SHA-256 of `{t}.{raw body}` under the endpoint's signing secret, any `v1` of which
//! may match, within a tolerance of the signing time. Checked in constant time.

use aws_lc_rs::hmac;

/// How far the signing time may be from now (Stripe's own libraries use 300 s).
pub const TOLERANCE_SECS: i64 = 300;
/// Longest header accepted (a few signatures during a secret rotation).
const MAX_HEADER_LEN: usize = 2048;

/// Why a webhook's signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header, or one without `t` and a `v1`.
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    /// The signing time is more than the tolerance away from now (a replay, or a clock off).
    #[error("the signature's timestamp is outside the tolerance")]
    Expired,
    /// No `v1` signature matches.
    #[error("no signature matches the payload")]
    NoMatch,
}

/// Verifies `header` over `payload` with `secret` at `now` (Unix seconds).
pub fn verify(
    header: Option<&str>,
    payload: &[u8],
    secret: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let header = header
        .filter(|h| h.len() <= MAX_HEADER_LEN)
        .ok_or(SignatureError::Malformed)?;
    let mut timestamp: Option<&str> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t),
            Some(("v1", sig)) => {
                if let Ok(bytes) = hex::decode(sig) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    let at: i64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - at).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Expired);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut signed = Vec::with_capacity(t.len() + 1 + payload.len());
    signed.extend_from_slice(t.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(payload);
    // hmac::verify compares in constant time.
    if signatures
        .iter()
        .any(|s| hmac::verify(&key, &signed, s).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(t: i64, payload: &[u8], secret: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let mut signed = format!("{t}.").into_bytes();
        signed.extend_from_slice(payload);
        hex::encode(hmac::sign(&key, &signed))
    }

    #[test]
    fn a_signature_of_the_payload_within_the_tolerance_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let header = format!("t=1000,v1={},v0=ignored", sign(1000, body, b"whsec_x"));
        assert_eq!(verify(Some(&header), body, b"whsec_x", 1100), Ok(()));
        let rotated = format!("t=1000,v1=00ff,v1={}", sign(1000, body, b"whsec_x"));
        assert_eq!(verify(Some(&rotated), body, b"whsec_x", 1000), Ok(()));
    }

    #[test]
    fn tampered_expired_unsigned_and_wrongly_keyed_payloads_are_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let header = format!("t=1000,v1={}", sign(1000, body, b"whsec_x"));
        assert_eq!(
            verify(Some(&header), br#"{"id":"evt_2"}"#, b"whsec_x", 1000),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&header), body, b"whsec_y", 1000),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&header), body, b"whsec_x", 1301),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(None, body, b"whsec_x", 1000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some("t=1000"), body, b"whsec_x", 1000),
            Err(SignatureError::Malformed)
        );
    }
}
