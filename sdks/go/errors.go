package agentidp

import (
	"encoding/json"
	"fmt"
)

// Error is what a failed call to AgentIdP, or a refused token, reports.
//
// Code is the REST code (e.g. AGENT_NOT_FOUND), the OAuth error (e.g. invalid_client), a
// verifier code (e.g. expired) or network_error; Status the HTTP status (0 when no response
// arrived, or the status to answer a refused token with); Details the server's context.
type Error struct {
	Code    string
	Message string
	Status  int
	Details map[string]any
	cause   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("agentidp: %s (%d): %s", e.Code, e.Status, e.Message)
}

// Unwrap returns the underlying cause, if any (a transport or JOSE error).
func (e *Error) Unwrap() error { return e.cause }

// errorFromResponse builds the Error a non-2xx response describes: a REST {code, message,
// details} body or an OAuth {error, error_description} body; anything else keeps the status.
func errorFromResponse(status int, body []byte, fallback string) *Error {
	var rest struct {
		Code    *string        `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
		OAuth   *string        `json:"error"`
		Desc    string         `json:"error_description"`
	}
	if json.Unmarshal(body, &rest) == nil {
		switch {
		case rest.Code != nil:
			if rest.Details == nil {
				rest.Details = map[string]any{}
			}
			return &Error{Code: *rest.Code, Message: orElse(rest.Message, fallback), Status: status, Details: rest.Details}
		case rest.OAuth != nil:
			return &Error{Code: *rest.OAuth, Message: orElse(rest.Desc, fallback), Status: status, Details: map[string]any{}}
		}
	}
	return &Error{Code: fmt.Sprintf("http_%d", status), Message: fallback, Status: status, Details: map[string]any{}}
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Verification error codes: why a TokenVerifier refused a token (the same in every AgentIdP SDK).
const (
	ErrCodeMalformed         = "malformed"
	ErrCodeInvalidType       = "invalid_type"
	ErrCodeAlgorithmRejected = "algorithm_rejected"
	ErrCodeUnknownKey        = "unknown_key"
	ErrCodeInvalidSignature  = "invalid_signature"
	ErrCodeExpired           = "expired"
	ErrCodeNotYetValid       = "not_yet_valid"
	ErrCodeInvalidIssuer     = "invalid_issuer"
	ErrCodeInvalidAudience   = "invalid_audience"
	ErrCodeInsufficientScope = "insufficient_scope"
	ErrCodeJWKSUnavailable   = "jwks_unavailable"
)

// refusal is a verifier's Error: 401, 403 for insufficient_scope, 503 when the keys are unreachable.
func refusal(code, message string, cause error) *Error {
	status := 401
	switch code {
	case ErrCodeInsufficientScope:
		status = 403
	case ErrCodeJWKSUnavailable:
		status = 503
	}
	return &Error{Code: code, Message: message, Status: status, Details: map[string]any{}, cause: cause}
}
