package agentidp_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	agentidp "github.com/sentryagent/agentidp/sdks/go"
)

// BenchmarkVerify compares TokenVerifier.Verify with calling golang-jwt directly on the same
// token with the same checks and the key already parsed, per algorithm:
//
//	go test -run '^$' -bench Verify -count 10 -cpu 1 | benchstat
func BenchmarkVerify(b *testing.B) {
	jwks := jwksStandIn()
	defer jwks.Close()
	opts := conformance.Verifier.Options
	verifier, err := agentidp.NewTokenVerifier(context.Background(), agentidp.VerifierConfig{Issuer: opts.Issuer, Audience: opts.Audience, JWKSURL: jwks.URL})
	must(b, err)
	var set jwkset.JWKSMarshal
	must(b, json.Unmarshal(conformance.Verifier.JWKS, &set))
	storage, err := set.ToStorage()
	must(b, err)
	for _, c := range []struct{ alg, kid, id string }{{"RS256", "rs-1", "valid-rs256"}, {"ES256", "es-1", "valid-es256"}, {"EdDSA", "ed-1", "valid-eddsa"}} {
		var token string
		for _, v := range conformance.Verifier.Cases {
			if v.ID == c.id {
				token = v.Token
			}
		}
		jwk, err := storage.KeyRead(context.Background(), c.kid)
		must(b, err)
		key := jwk.Key()
		parser := jwt.NewParser(jwt.WithValidMethods([]string{c.alg}), jwt.WithIssuer(opts.Issuer), jwt.WithAudience(opts.Audience),
			jwt.WithLeeway(30*time.Second), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		b.Run(c.alg+"/golang-jwt", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := parser.ParseWithClaims(token, &agentidp.Claims{}, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.alg+"/TokenVerifier", func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				if _, err := verifier.Verify(ctx, token, opts.RequiredScopes...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
