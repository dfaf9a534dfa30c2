package agentidp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// VerifierConfig says how a TokenVerifier checks tokens.
type VerifierConfig struct {
	// Issuer is the server's issuer URL (its base URL); tokens of any other issuer are refused.
	Issuer string
	// Audience is this service's identifier: tokens whose aud does not name it are refused.
	// Tokens requested without a resource carry the issuer as audience.
	Audience string
	// RequiredScopes every token must carry (more can be required per call).
	RequiredScopes []string
	// JWKSURL is where the keys are; default Issuer + "/.well-known/jwks.json".
	JWKSURL string
	// Leeway is the clock skew tolerated on exp and nbf (default 30 s).
	Leeway time.Duration
	// JWKSCooldown is the least time between two fetches caused by unknown kids, so forged kids
	// cannot flood the issuer (default 30 s; negative = no cooldown).
	JWKSCooldown time.Duration
	// JWKSMaxAge is how often the keys are fetched again in the background (default 1 h).
	JWKSMaxAge time.Duration
	// HTTPClient fetches the JWKS (default: one with a 5 s timeout).
	HTTPClient *http.Client
}

// TokenVerifier verifies AgentIdP access tokens (RFC 9068) offline against the issuer's JWKS:
// the algorithm pinned to the key (RS256, ES256, EdDSA; never none or HS*), typ at+jwt,
// issuer, audience, exp/nbf with leeway, and scopes. One per service, safe for concurrent use.
type TokenVerifier struct {
	cfg    VerifierConfig
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
}

// NewTokenVerifier fetches the issuer's keys once and returns a verifier; ctx ends its
// background refresh.
func NewTokenVerifier(ctx context.Context, cfg VerifierConfig) (*TokenVerifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("agentidp: Issuer and Audience are required")
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimRight(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.JWKSCooldown == 0 {
		cfg.JWKSCooldown = 30 * time.Second
	}
	if cfg.JWKSMaxAge == 0 {
		cfg.JWKSMaxAge = time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	store, err := jwkset.NewStorageFromHTTP(cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client: cfg.HTTPClient, Ctx: ctx, NoErrorReturnFirstHTTPReq: true, RefreshInterval: cfg.JWKSMaxAge,
		RefreshErrorHandler: func(context.Context, error) {}, // a failed refresh keeps the keys it has
	})
	if err != nil {
		return nil, fmt.Errorf("agentidp: the JWKS storage: %w", err)
	}
	limit := rate.Every(cfg.JWKSCooldown)
	if cfg.JWKSCooldown < 0 {
		limit = rate.Inf
	}
	client, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{cfg.JWKSURL: store},
		// Within the cooldown an unknown kid fails at once instead of waiting for the limiter.
		RateLimitWaitMax:  time.Millisecond,
		RefreshUnknownKID: rate.NewLimiter(limit, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("agentidp: the JWKS client: %w", err)
	}
	keys, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: client})
	if err != nil {
		return nil, fmt.Errorf("agentidp: the key function: %w", err)
	}
	// The accepted algorithms are checked in Verify's key function, so that a refused one gets
	// its own code; keyfunc then pins the algorithm to the key's.
	parser := jwt.NewParser(
		jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience), jwt.WithLeeway(cfg.Leeway),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
	)
	return &TokenVerifier{cfg: cfg, keys: keys, parser: parser}, nil
}

// Verify checks token and returns its claims, or an *Error whose Code says why it was refused.
// requiredScopes add to the verifier's own.
func (v *TokenVerifier) Verify(ctx context.Context, token string, requiredScopes ...string) (*VerifiedToken, error) {
	claims := &Claims{}
	keyFunc := v.keys.KeyfuncCtx(ctx)
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "at+jwt" && typ != "application/at+jwt" {
			return nil, refusal(ErrCodeInvalidType, fmt.Sprintf("the token's typ is %q, not at+jwt", typ), nil)
		}
		if alg := t.Method.Alg(); alg != "RS256" && alg != "ES256" && alg != "EdDSA" {
			return nil, refusal(ErrCodeAlgorithmRejected, fmt.Sprintf("the algorithm %q is not accepted", alg), nil)
		}
		return keyFunc(t)
	})
	if err != nil {
		return nil, v.refusalFor(ctx, err)
	}
	if claims.Subject == "" || claims.ID == "" {
		return nil, refusal(ErrCodeMalformed, "the token has no sub or jti", nil)
	}
	verified := &VerifiedToken{Claims: claims}
	var missing []string
	for _, scope := range append(append([]string{}, v.cfg.RequiredScopes...), requiredScopes...) {
		if !verified.HasScope(scope) {
			missing = append(missing, scope)
		}
	}
	if len(missing) > 0 {
		return nil, refusal(ErrCodeInsufficientScope, "the token lacks the scope "+strings.Join(missing, " "), nil)
	}
	return verified, nil
}

// refusalFor maps what golang-jwt and keyfunc report to the shared refusal codes.
func (v *TokenVerifier) refusalFor(ctx context.Context, err error) *Error {
	var ours *Error
	switch {
	case errors.Is(err, keyfunc.ErrKeyfunc) && !v.hasKeys(ctx):
		return refusal(ErrCodeJWKSUnavailable, "the issuer's keys could not be fetched", err)
	case errors.As(err, &ours):
		return ours
	case errors.Is(err, jwt.ErrTokenExpired):
		return refusal(ErrCodeExpired, "the token has expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return refusal(ErrCodeNotYetValid, "the token is not valid yet", err)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return refusal(ErrCodeInvalidIssuer, "the token is from another issuer", err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return refusal(ErrCodeInvalidAudience, "the token is not for this audience", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refusal(ErrCodeInvalidSignature, "the token signature does not verify", err)
	case errors.Is(err, jwkset.ErrKeyNotFound):
		return refusal(ErrCodeUnknownKey, "no published key has the token's kid", err)
	case errors.Is(err, keyfunc.ErrKeyfunc) && strings.Contains(err.Error(), `"alg"`):
		return refusal(ErrCodeAlgorithmRejected, "the key does not sign with the token's algorithm", err)
	case errors.Is(err, jwt.ErrTokenUnverifiable) && strings.Contains(err.Error(), "signing method"):
		return refusal(ErrCodeAlgorithmRejected, "the token's algorithm is not supported", err)
	case errors.Is(err, keyfunc.ErrKeyfunc) && strings.Contains(err.Error(), "rate limiter"):
		return refusal(ErrCodeUnknownKey, "no published key has the token's kid", err)
	case errors.Is(err, keyfunc.ErrKeyfunc) && strings.Contains(err.Error(), "kid"):
		return refusal(ErrCodeMalformed, "the token names no key", err)
	case errors.Is(err, keyfunc.ErrKeyfunc):
		return refusal(ErrCodeJWKSUnavailable, "the issuer's keys could not be fetched", err)
	}
	return refusal(ErrCodeMalformed, "the token is malformed: "+err.Error(), err)
}

// hasKeys reports whether any key was ever fetched, to tell an unknown kid from an unreachable JWKS.
func (v *TokenVerifier) hasKeys(ctx context.Context) bool {
	keys, err := v.keys.Storage().KeyReadAll(ctx)
	return err == nil && len(keys) > 0
}

// Claims are the claims of an AgentIdP access token.
type Claims struct {
	jwt.RegisteredClaims
	// ClientID is the OAuth client: the agent, or the current actor of a delegated token.
	ClientID string `json:"client_id"`
	// Scope is the granted scopes, space separated.
	Scope    string `json:"scope"`
	TenantID string `json:"tenant_id"`
	// Act is, for a delegated token (RFC 8693 §4.1), who acts for the subject.
	Act *ActorClaim `json:"act,omitempty"`
	// Federated is, for a token exchanged for a workload identity, who the workload is.
	Federated map[string]any `json:"federated,omitempty"`
}

// ActorClaim is one link of a delegation chain, the current actor first.
type ActorClaim struct {
	Sub string      `json:"sub"`
	Act *ActorClaim `json:"act,omitempty"`
}

// VerifiedToken is a token that passed every check.
type VerifiedToken struct {
	Claims *Claims
}

// AgentID is the agent the token is about (sub).
func (t *VerifiedToken) AgentID() string { return t.Claims.Subject }

// Scopes are the granted scopes.
func (t *VerifiedToken) Scopes() []string { return strings.Fields(t.Claims.Scope) }

// HasScope reports whether scope was granted.
func (t *VerifiedToken) HasScope(scope string) bool {
	for _, s := range strings.Fields(t.Claims.Scope) {
		if s == scope {
			return true
		}
	}
	return false
}

// Actor is the agent acting for the subject of a delegated token, "" for a direct one.
func (t *VerifiedToken) Actor() string {
	if t.Claims.Act == nil {
		return ""
	}
	return t.Claims.Act.Sub
}

// DelegationChain lists every actor of a delegated token, current first.
func (t *VerifiedToken) DelegationChain() []string {
	var chain []string
	for a := t.Claims.Act; a != nil; a = a.Act {
		chain = append(chain, a.Sub)
	}
	return chain
}
