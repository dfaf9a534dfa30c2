//! The error responses every operation can give because of the layers around it, added to
//! the generated OpenAPI document in one place rather than repeated on every handler: a
//! schema-driven client (or fuzzer) then finds every status it can meet documented.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// Routes that are never rate limited (see `limits::EXEMPT`).
const NOT_LIMITED: [&str; 3] = ["/health", "/health/detailed", "/metrics"];

/// Adds the cross-cutting error responses to every operation of `doc` that does not document
/// that status itself.
pub fn add_error_responses(doc: &mut OpenApi) {
    for (path, item) in &mut doc.paths.paths {
        let oauth = path.starts_with("/oauth2/");
        let limited = !NOT_LIMITED.contains(&path.as_str());
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            add_to(op, oauth, limited);
        }
    }
}

fn add_to(op: &mut Operation, oauth: bool, limited: bool) {
    let has_input =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = op.request_body.is_some();
    let mut statuses: Vec<(&str, &str)> = Vec::new();
    if has_input {
        statuses.push((
            "400",
            if oauth {
                "invalid_request: a malformed or missing parameter"
            } else {
                "A malformed path parameter (INVALID_PATH_PARAMETER), query (INVALID_QUERY) or body"
            },
        ));
    }
    if has_body {
        statuses.push((
            "413",
            "The body is larger than MAX_BODY_BYTES (PAYLOAD_TOO_LARGE)",
        ));
        if !oauth {
            statuses.push((
                "415",
                "The body is not Content-Type: application/json (UNSUPPORTED_MEDIA_TYPE)",
            ));
        }
    }
    statuses.push((
        "414",
        "The request target is longer than 8 KiB (URI_TOO_LONG)",
    ));
    statuses.push((
        "431",
        "More than 100 header fields or 32 KiB of them (HEADERS_TOO_LARGE)",
    ));
    if limited {
        statuses.push((
            "429",
            "Over the rate limit (RATE_LIMIT_EXCEEDED, or too_many_requests on /oauth2); see Retry-After",
        ));
    }
    statuses.push((
        "500",
        "An internal error; the body is opaque and the cause is logged",
    ));
    statuses.push((
        "503",
        "The database is unreachable or the request took longer than REQUEST_TIMEOUT_MS; retry after Retry-After",
    ));
    for (status, description) in statuses {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error_response(description, oauth)));
    }
}

fn error_response(description: &str, oauth: bool) -> Response {
    let schema = if oauth { "OAuthErrorBody" } else { "ErrorBody" };
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
}
