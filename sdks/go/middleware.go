package agentidp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

type contextKey struct{}

var bearerPattern = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9\-._~+/]+=*) *$`)

const noToken = "the request has no bearer token"

// BearerToken returns the bearer token of r, or an *Error (malformed) when there is none.
func BearerToken(r *http.Request) (string, error) {
	m := bearerPattern.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "", refusal(ErrCodeMalformed, noToken, nil)
	}
	return m[1], nil
}

// VerifyRequest verifies the bearer token of r: use it from any server (an MCP server's HTTP
// transport, for one) that does not take net/http middleware.
func (v *TokenVerifier) VerifyRequest(r *http.Request, requiredScopes ...string) (*VerifiedToken, error) {
	token, err := BearerToken(r)
	if err != nil {
		return nil, err
	}
	return v.Verify(r.Context(), token, requiredScopes...)
}

// Middleware admits only requests whose bearer token verifies and carries requiredScopes; the
// handler finds the token with FromContext. Refusals get 401/403 with a WWW-Authenticate
// challenge (RFC 6750 §3) and a JSON {"code", "message"} body.
func (v *TokenVerifier) Middleware(requiredScopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, err := v.VerifyRequest(r, requiredScopes...)
			if err != nil {
				WriteRefusal(w, err, requiredScopes...)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, token)))
		})
	}
}

// FromContext returns the token Middleware verified for this request.
func FromContext(ctx context.Context) (*VerifiedToken, bool) {
	token, ok := ctx.Value(contextKey{}).(*VerifiedToken)
	return token, ok
}

// WriteRefusal answers a refused request: the status, a WWW-Authenticate challenge and a JSON body.
func WriteRefusal(w http.ResponseWriter, err error, scopes ...string) {
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		apiErr = &Error{Code: "internal_error", Message: "token verification failed", Status: http.StatusInternalServerError}
	}
	clean := strings.NewReplacer(`"`, "", `\`, "").Replace
	challenge := "Bearer"
	switch {
	case apiErr.Code == ErrCodeInsufficientScope:
		challenge += `, error="insufficient_scope", error_description="` + clean(apiErr.Message) + `"`
		if len(scopes) > 0 {
			challenge += `, scope="` + strings.Join(scopes, " ") + `"`
		}
	case apiErr.Status == http.StatusUnauthorized && apiErr.Message != noToken:
		challenge += `, error="invalid_token", error_description="` + clean(apiErr.Message) + `"`
	}
	if apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(apiErr.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": apiErr.Code, "message": apiErr.Message})
}
