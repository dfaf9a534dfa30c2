//! Keyset pagination of the list routes: the page size asked for, and the opaque cursor that
//! holds the last id of the previous page.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use uuid::Uuid;

use super::error::ApiError;

/// The page size: `limit`, or `default` when absent; 1 to 100.
pub(crate) fn page_size(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=100).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::validation(
            "limit",
            "limit must be between 1 and 100",
        ))
    }
}

/// Encodes a page position (the last id of a page) as an opaque cursor.
pub(crate) fn encode_cursor(id: Uuid) -> String {
    B64.encode(id.as_bytes())
}

/// The id a cursor from [`encode_cursor`] holds; `400 INVALID_CURSOR` for any other.
pub(crate) fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    B64.decode(cursor)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_CURSOR",
                "cursor is not one this server issued",
            )
        })
}

/// The position an optional cursor holds, as the id type of the list.
pub(crate) fn position<T>(cursor: Option<&str>, id: fn(Uuid) -> T) -> Result<Option<T>, ApiError> {
    Ok(cursor.map(decode_cursor).transpose()?.map(id))
}
