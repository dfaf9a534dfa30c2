package agentidp_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
)

func validES256() string {
	for _, c := range conformance.Verifier.Cases {
		if c.ID == "valid-es256" {
			return c.Token
		}
	}
	panic("no valid-es256 case")
}

// jwksStandIn serves the first key set once, then the rotated one: a key published after the
// verifier's first fetch is found by its refetch on an unknown kid.
func jwksStandIn() *standIn {
	return newStandIn(func(n int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		if n == 0 {
			_, _ = w.Write(conformance.Verifier.JWKS)
		} else {
			_, _ = w.Write(conformance.Verifier.RotatedJWKS)
		}
	})
}

func TestTheVerifierReachesEachConformanceVerdict(t *testing.T) {
	opts := conformance.Verifier.Options
	for _, c := range conformance.Verifier.Cases {
		t.Run(c.ID, func(t *testing.T) {
			jwks := jwksStandIn()
			defer jwks.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			verifier, err := agentidp.NewTokenVerifier(ctx, agentidp.VerifierConfig{
				Issuer: opts.Issuer, Audience: opts.Audience, RequiredScopes: opts.RequiredScopes,
				Leeway: time.Duration(opts.LeewaySeconds) * time.Second, JWKSURL: jwks.URL + "/jwks.json", JWKSCooldown: -1,
			})
			must(t, err)
			verified, err := verifier.Verify(ctx, c.Token)
			if c.Expect.OK {
				must(t, err)
				if verified.AgentID() != c.Expect.Sub {
					t.Fatalf("sub %q, want %q", verified.AgentID(), c.Expect.Sub)
				}
				if c.Expect.Scopes != nil && !reflect.DeepEqual(verified.Scopes(), c.Expect.Scopes) {
					t.Fatalf("scopes %v, want %v", verified.Scopes(), c.Expect.Scopes)
				}
				if verified.Actor() != c.Expect.Actor {
					t.Fatalf("actor %q, want %q", verified.Actor(), c.Expect.Actor)
				}
				if c.Expect.DelegationChain != nil && !reflect.DeepEqual(verified.DelegationChain(), c.Expect.DelegationChain) {
					t.Fatalf("chain %v, want %v", verified.DelegationChain(), c.Expect.DelegationChain)
				}
			} else {
				var refused *agentidp.Error
				if !errors.As(err, &refused) || refused.Code != c.Expect.Error {
					t.Fatalf("got %v, want the refusal %s", err, c.Expect.Error)
				}
				want := 401
				if c.Expect.Error == agentidp.ErrCodeInsufficientScope {
					want = 403
				}
				if refused.Status != want {
					t.Fatalf("status %d, want %d", refused.Status, want)
				}
			}
			if (c.ID == "key-rotated" || c.ID == "unknown-kid") && jwks.count() != 2 {
				t.Fatalf("%d JWKS fetches, want 2: one at start, one refetch on the unknown kid", jwks.count())
			}
		})
	}
}

func TestUnknownKidsDoNotRefetchTheJWKSWithinTheCooldown(t *testing.T) {
	jwks := jwksStandIn()
	defer jwks.Close()
	opts := conformance.Verifier.Options
	verifier, err := agentidp.NewTokenVerifier(context.Background(), agentidp.VerifierConfig{Issuer: opts.Issuer, Audience: opts.Audience, JWKSURL: jwks.URL})
	must(t, err)
	var forged string
	for _, c := range conformance.Verifier.Cases {
		if c.ID == "unknown-kid" {
			forged = c.Token
		}
	}
	_, err = verifier.Verify(context.Background(), validES256())
	must(t, err)
	started := time.Now()
	for i := 0; i < 20; i++ {
		if _, err := verifier.Verify(context.Background(), forged); err == nil {
			t.Fatal("a forged kid was accepted")
		}
	}
	if jwks.count() > 2 {
		t.Fatalf("%d JWKS fetches for 20 unknown kids", jwks.count())
	}
	if time.Since(started) > time.Second {
		t.Fatal("unknown kids waited for the refetch limiter")
	}
}

func TestAnUnreachableJWKSIsJWKSUnavailable(t *testing.T) {
	opts := conformance.Verifier.Options
	verifier, err := agentidp.NewTokenVerifier(context.Background(), agentidp.VerifierConfig{Issuer: opts.Issuer, Audience: opts.Audience, JWKSURL: "http://127.0.0.1:9/jwks.json"})
	must(t, err)
	_, err = verifier.Verify(context.Background(), validES256())
	var refused *agentidp.Error
	if !errors.As(err, &refused) || refused.Code != agentidp.ErrCodeJWKSUnavailable || refused.Status != 503 {
		t.Fatalf("got %v, want jwks_unavailable (503)", err)
	}
}

func TestTheTokenSourceBehavesAsEachConformanceCaseSays(t *testing.T) {
	p := conformance.TokenProvider
	for _, c := range p.Cases {
		t.Run(c.ID, func(t *testing.T) {
			endpoint := newStandIn(func(n int, w http.ResponseWriter) {
				r := c.Responses[min(n, len(c.Responses)-1)]
				time.Sleep(time.Duration(r.DelayMs) * time.Millisecond)
				for k, v := range r.Headers {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(r.Status)
				_, _ = w.Write(r.Body)
			})
			defer endpoint.Close()
			retry := agentidp.RetryPolicy{Retries: 3, BaseDelay: 50 * time.Millisecond, MaxDelay: 30 * time.Second}
			tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: endpoint.URL, ClientID: p.ClientID, Retry: &retry}, p.ClientSecret)
			must(t, err)
			started := time.Now()
			got := make([]string, c.Calls)
			var failure error
			if c.Concurrent {
				var wg sync.WaitGroup
				var mu sync.Mutex
				for i := range got {
					wg.Add(1)
					go func() {
						defer wg.Done()
						token, err := tokens.TokenContext(context.Background())
						mu.Lock()
						defer mu.Unlock()
						got[i], failure = token, errors.Join(failure, err)
					}()
				}
				wg.Wait()
			} else {
				for i := range got {
					if i > 0 {
						time.Sleep(time.Duration(c.PauseMs) * time.Millisecond)
					}
					oauthToken, err := tokens.Token() // the oauth2.TokenSource face
					if err != nil {
						failure = err
						break
					}
					got[i] = oauthToken.AccessToken
				}
			}
			if n := endpoint.count(); n != c.Expect.Requests {
				t.Fatalf("%d token requests, want %d", n, c.Expect.Requests)
			}
			if c.Expect.Error != nil {
				var apiErr *agentidp.Error
				if !errors.As(failure, &apiErr) || apiErr.Status != c.Expect.Error.Status || apiErr.Code != c.Expect.Error.Code {
					t.Fatalf("got %v, want %d %s", failure, c.Expect.Error.Status, c.Expect.Error.Code)
				}
			} else if failure != nil || !reflect.DeepEqual(got, c.Expect.Tokens) {
				t.Fatalf("tokens %v (%v), want %v", got, failure, c.Expect.Tokens)
			}
			if time.Since(started) < time.Duration(c.Expect.MinElapsedMs)*time.Millisecond {
				t.Fatal("Retry-After was not honoured")
			}
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.ClientID+":"+p.ClientSecret))
			if endpoint.requests[0].Header.Get("Authorization") != basic || !strings.Contains(endpoint.bodies[0], "grant_type=client_credentials") {
				t.Fatal("the token request is not client_credentials with HTTP Basic")
			}
		})
	}
}

func TestTheClientBehavesAsEachConformanceCaseSays(t *testing.T) {
	ctx := context.Background()
	admin := srv.admin(t)
	for _, c := range conformance.Client.Cases {
		t.Run(c.ID, func(t *testing.T) {
			if c.ID == "pagination" {
				owner := "paging-" + time.Now().Format("150405.000000000")
				created := map[string]bool{}
				for i := 0; i < c.Create; i++ {
					agent, _ := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) { b.Owner = owner })
					created[agent.AgentID] = true
				}
				seen := map[string]bool{}
				for agent, err := range admin.ListAgents(ctx, url.Values{"owner": {owner}, "limit": {"2"}}) {
					must(t, err)
					if seen[agent.AgentID] {
						t.Fatalf("%s seen twice", agent.AgentID)
					}
					seen[agent.AgentID] = true
				}
				if !reflect.DeepEqual(seen, created) {
					t.Fatalf("seen %v, created %v", seen, created)
				}
				return
			}
			var err error
			switch c.Call {
			case "getAgent":
				_, err = admin.GetAgent(ctx, c.AgentID)
			case "createAgent":
				var body agentidp.CreateAgentRequest
				must(t, jsonUnmarshal(c.Body, &body))
				_, err = admin.CreateAgent(ctx, body)
			case "token":
				_, err = admin.Token(ctx, url.Values{"grant_type": {"client_credentials"}}, &agentidp.ClientSecret{ID: srv.AdminID, Secret: "sk_wrong"})
			}
			var apiErr *agentidp.Error
			if !errors.As(err, &apiErr) || apiErr.Status != c.Expect.Status || apiErr.Code != c.Expect.Code || apiErr.Message == "" || apiErr.Details == nil {
				t.Fatalf("got %#v, want %d %s", err, c.Expect.Status, c.Expect.Code)
			}
		})
	}
}
