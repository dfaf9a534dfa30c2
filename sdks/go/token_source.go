package agentidp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// TokenSourceConfig is what both client-credentials token sources take.
type TokenSourceConfig struct {
	// BaseURL is the server, e.g. https://idp.example.com (its issuer).
	BaseURL string
	// ClientID is the agent id.
	ClientID string
	// Scopes to ask for; empty = every scope the agent is allowed.
	Scopes []string
	// Audience is the resource the token is for (RFC 8707); it becomes the token's aud.
	Audience string
	// RefreshMargin is how long before expiry a token is replaced; 0 = min(lifetime/5, 60 s).
	RefreshMargin time.Duration
	// HTTPClient sends the token requests (default: one with a 30 s timeout).
	HTTPClient *http.Client
	// Retry is the retry policy (default DefaultRetryPolicy).
	Retry *RetryPolicy
	// Context is used by Token(), which oauth2.TokenSource gives no context (default Background).
	Context context.Context
}

// cachingSource holds the cache, refresh and single-flight logic shared by both token sources.
type cachingSource struct {
	cfg  TokenSourceConfig
	t    *transport
	auth func() (http.Header, url.Values, error)

	mu        sync.Mutex // held while a token is fetched: callers that arrive meanwhile wait for it
	token     string
	refreshAt time.Time
}

func newCachingSource(cfg TokenSourceConfig) (*cachingSource, error) {
	if cfg.BaseURL == "" || cfg.ClientID == "" {
		return nil, errors.New("agentidp: BaseURL and ClientID are required")
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	return &cachingSource{cfg: cfg, t: newTransport(cfg.BaseURL, cfg.HTTPClient, cfg.Retry)}, nil
}

// TokenContext returns a token valid for at least the refresh margin.
func (s *cachingSource) TokenContext(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.refreshAt) {
		return s.token, nil
	}
	header, form, err := s.auth()
	if err != nil {
		return "", err
	}
	form.Set("grant_type", "client_credentials")
	if len(s.cfg.Scopes) > 0 {
		form.Set("scope", strings.Join(s.cfg.Scopes, " "))
	}
	if s.cfg.Audience != "" {
		form.Set("resource", s.cfg.Audience)
	}
	started := time.Now()
	var answer TokenResponse
	// A token request changes nothing on the server, so a 5xx may be retried too.
	if err := s.t.send(ctx, request{method: http.MethodPost, path: "/oauth2/token", form: form, header: header, idempotent: true}, &answer); err != nil {
		return "", err
	}
	lifetime := time.Duration(answer.ExpiresIn) * time.Second
	margin := s.cfg.RefreshMargin
	if margin == 0 {
		margin = min(lifetime/5, time.Minute)
	}
	s.token, s.refreshAt = answer.AccessToken, started.Add(lifetime-margin)
	return s.token, nil
}

// Token implements oauth2.TokenSource. Its Expiry is when this source would refresh, so an
// oauth2.ReuseTokenSource around it refreshes on the same schedule.
func (s *cachingSource) Token() (*oauth2.Token, error) {
	token, err := s.TokenContext(s.cfg.Context)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &oauth2.Token{AccessToken: token, TokenType: "Bearer", Expiry: s.refreshAt}, nil
}

// Invalidate drops the cached token, e.g. after the API refused it.
func (s *cachingSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = ""
}

// ClientCredentialsTokenSource gets tokens for an agent with a client_secret credential
// (HTTP Basic, RFC 6749 §2.3.1). It is an oauth2.TokenSource, safe for concurrent use.
type ClientCredentialsTokenSource struct{ *cachingSource }

// NewClientCredentialsTokenSource returns a caching token source for the agent cfg.ClientID.
func NewClientCredentialsTokenSource(cfg TokenSourceConfig, clientSecret string) (*ClientCredentialsTokenSource, error) {
	s, err := newCachingSource(cfg)
	if err != nil {
		return nil, err
	}
	if clientSecret == "" {
		return nil, errors.New("agentidp: the client secret is required")
	}
	basic := basicAuth(cfg.ClientID, clientSecret)
	s.auth = func() (http.Header, url.Values, error) {
		return http.Header{"Authorization": {basic}}, url.Values{}, nil
	}
	return &ClientCredentialsTokenSource{s}, nil
}

// PrivateKeyJWTTokenSource gets tokens for an agent with a public_key credential (RFC 7523
// private_key_jwt): each request carries a fresh assertion signed by the private key.
type PrivateKeyJWTTokenSource struct {
	*cachingSource
	// KeyID is the kid of the assertions: by default the key's RFC 7638 thumbprint, which is the
	// kid AgentIdP gives a registered key.
	KeyID string
}

// NewPrivateKeyJWTTokenSource returns a caching token source that signs with key: an
// *rsa.PrivateKey (RS256), a P-256 *ecdsa.PrivateKey (ES256) or an ed25519.PrivateKey (EdDSA).
func NewPrivateKeyJWTTokenSource(cfg TokenSourceConfig, key crypto.Signer) (*PrivateKeyJWTTokenSource, error) {
	s, err := newCachingSource(cfg)
	if err != nil {
		return nil, err
	}
	method, jwk, err := publicJWK(key.Public())
	if err != nil {
		return nil, err
	}
	source := &PrivateKeyJWTTokenSource{cachingSource: s, KeyID: Thumbprint(jwk)}
	tokenURL := s.t.base + "/oauth2/token"
	s.auth = func() (http.Header, url.Values, error) {
		jti := make([]byte, 16)
		if _, err := rand.Read(jti); err != nil {
			return nil, nil, err
		}
		now := time.Now()
		claims := jwt.RegisteredClaims{
			Issuer: cfg.ClientID, Subject: cfg.ClientID, Audience: jwt.ClaimStrings{tokenURL},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), ID: hex.EncodeToString(jti),
		}
		assertion := jwt.NewWithClaims(method, claims)
		assertion.Header["kid"] = source.KeyID
		signed, err := assertion.SignedString(key)
		if err != nil {
			return nil, nil, fmt.Errorf("agentidp: signing the client assertion: %w", err)
		}
		return http.Header{}, url.Values{
			"client_id":             {cfg.ClientID},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {signed},
		}, nil
	}
	return source, nil
}

// publicJWK returns the signing method a key implies and the members of its public JWK.
func publicJWK(public crypto.PublicKey) (jwt.SigningMethod, map[string]string, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := public.(type) {
	case *rsa.PublicKey:
		return jwt.SigningMethodRS256, map[string]string{"kty": "RSA", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, nil, errors.New("agentidp: only P-256 EC keys are supported")
		}
		point, err := k.ECDH()
		if err != nil {
			return nil, nil, err
		}
		raw := point.Bytes() // 0x04 || x || y
		return jwt.SigningMethodES256, map[string]string{"kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}, nil
	case ed25519.PublicKey:
		return jwt.SigningMethodEdDSA, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(k)}, nil
	}
	return nil, nil, fmt.Errorf("agentidp: unsupported key type %T", public)
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public JWK's required members.
func Thumbprint(jwk map[string]string) string {
	members := map[string][]string{"RSA": {"e", "kty", "n"}, "EC": {"crv", "kty", "x", "y"}, "OKP": {"crv", "kty", "x"}}[jwk["kty"]]
	canonical := map[string]string{}
	for _, m := range members {
		canonical[m] = jwk[m]
	}
	encoded, _ := json.Marshal(canonical) // keys sorted, no spaces: the RFC 7638 form
	sum := sha256.Sum256(encoded)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// PublicJWK returns the public JWK of key (RS256, ES256 or EdDSA) with its alg and thumbprint
// kid, ready to register as a public_key credential.
func PublicJWK(key crypto.Signer) (map[string]string, error) {
	method, jwk, err := publicJWK(key.Public())
	if err != nil {
		return nil, err
	}
	jwk["alg"], jwk["use"], jwk["kid"] = method.Alg(), "sig", Thumbprint(jwk)
	return jwk, nil
}
