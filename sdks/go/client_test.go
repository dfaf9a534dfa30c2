package agentidp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func wantStatus(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *agentidp.Error
	if !errors.As(err, &apiErr) || apiErr.Status != status || (code != "" && apiErr.Code != code) {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for item, err := range seq {
		must(t, err)
		out = append(out, item)
	}
	return out
}

func verifierFor(t *testing.T, audience string) *agentidp.TokenVerifier {
	t.Helper()
	v, err := agentidp.NewTokenVerifier(context.Background(), agentidp.VerifierConfig{Issuer: srv.BaseURL, Audience: audience})
	must(t, err)
	return v
}

func TestAgentsAreCreatedReadListedUpdatedAndDecommissioned(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	owner := "crud-" + time.Now().Format("150405.000000000")
	agent, _ := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) { b.Owner, b.Capabilities = owner, []string{"weather:forecast"} })
	got, err := admin.GetAgent(ctx, agent.AgentID)
	must(t, err)
	if got.Name != "Weather bot" {
		t.Fatalf("name %q", got.Name)
	}
	listed := collect(t, admin.ListAgents(ctx, url.Values{"owner": {owner}, "capability": {"weather:forecast"}}))
	if len(listed) != 1 || listed[0].AgentID != agent.AgentID {
		t.Fatalf("listed %v", listed)
	}
	name, status := "Forecast bot", "suspended"
	updated, err := admin.UpdateAgent(ctx, agent.AgentID, agentidp.UpdateAgentRequest{Name: &name, Status: &status})
	must(t, err)
	if updated.Name != name || updated.Status != status {
		t.Fatalf("updated %+v", updated)
	}
	must(t, admin.DeleteAgent(ctx, agent.AgentID))
	got, err = admin.GetAgent(ctx, agent.AgentID)
	must(t, err)
	if got.Status != "decommissioned" {
		t.Fatalf("status %q", got.Status)
	}
}

func TestCredentialsAreListedRotatedAndRevoked(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, secret := newAgent(t, admin, nil)
	credentials, err := admin.ListCredentials(ctx, agent.AgentID)
	must(t, err)
	grace := int64(60)
	rotated, err := admin.RotateCredential(ctx, agent.AgentID, credentials[0].CredentialID, agentidp.RotateCredentialRequest{GracePeriodSeconds: &grace})
	must(t, err)
	if *rotated.ClientSecret == secret {
		t.Fatal("rotation kept the secret")
	}
	must(t, admin.RevokeCredential(ctx, agent.AgentID, credentials[0].CredentialID))
	credentials, err = admin.ListCredentials(ctx, agent.AgentID)
	must(t, err)
	if credentials[0].Status != "revoked" {
		t.Fatalf("status %q", credentials[0].Status)
	}
	_, err = admin.Token(ctx, url.Values{"grant_type": {"client_credentials"}}, &agentidp.ClientSecret{ID: agent.AgentID, Secret: *rotated.ClientSecret})
	wantStatus(t, err, 401, "invalid_client")
}

func TestATokenIsVerifiedIntrospectedAndRevoked(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, secret := newAgent(t, admin, nil)
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: agent.AgentID, Scopes: []string{"weather:read"}}, secret)
	must(t, err)
	token, err := tokens.TokenContext(ctx)
	must(t, err)
	verifier := verifierFor(t, srv.BaseURL)
	verified, err := verifier.Verify(ctx, token, "weather:read")
	must(t, err)
	if verified.AgentID() != agent.AgentID || strings.Join(verified.Scopes(), " ") != "weather:read" {
		t.Fatalf("verified %+v", verified.Claims)
	}
	_, err = verifier.Verify(ctx, token, "weather:write")
	wantStatus(t, err, 403, agentidp.ErrCodeInsufficientScope)
	auth := agentidp.ClientSecret{ID: agent.AgentID, Secret: secret}
	active, err := admin.Introspect(ctx, token, auth)
	must(t, err)
	if !active.Active || *active.Sub != agent.AgentID {
		t.Fatalf("introspection %+v", active)
	}
	must(t, admin.Revoke(ctx, token, auth))
	active, err = admin.Introspect(ctx, token, auth)
	must(t, err)
	if active.Active {
		t.Fatal("a revoked token is active")
	}
}

func TestATokenForAResourceCarriesItAsAudience(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, secret := newAgent(t, admin, nil)
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: agent.AgentID, Audience: "https://weather.example"}, secret)
	must(t, err)
	token, err := tokens.TokenContext(ctx)
	must(t, err)
	_, err = verifierFor(t, "https://weather.example").Verify(ctx, token)
	must(t, err)
	_, err = verifierFor(t, srv.BaseURL).Verify(ctx, token)
	wantStatus(t, err, 401, agentidp.ErrCodeInvalidAudience)
}

func TestTheClientCredentialsConfigOfXOAuth2WorksUnchanged(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, secret := newAgent(t, admin, nil)
	cfg := clientcredentials.Config{ClientID: agent.AgentID, ClientSecret: secret, TokenURL: srv.BaseURL + "/oauth2/token", Scopes: []string{"weather:read"}}
	token, err := cfg.Token(ctx)
	must(t, err)
	verified, err := verifierFor(t, srv.BaseURL).Verify(ctx, token.AccessToken, "weather:read")
	must(t, err)
	if verified.AgentID() != agent.AgentID {
		t.Fatal("wrong subject")
	}
	// Our token source is an oauth2.TokenSource: oauth2.NewClient sends its tokens.
	source, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: srv.AdminID}, srv.AdminSecret)
	must(t, err)
	response, err := oauth2.NewClient(ctx, source).Get(srv.BaseURL + "/v1/billing/usage")
	must(t, err)
	_ = response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status %d", response.StatusCode)
	}
}

func TestAnAgentWithAPublicKeyGetsTokensWithPrivateKeyJWT(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, err := admin.CreateAgent(ctx, agentBody(nil))
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	jwk, err := agentidp.PublicJWK(key)
	must(t, err)
	jwkAny := map[string]any{}
	for k, v := range jwk {
		jwkAny[k] = v
	}
	kind := "public_key"
	credential, err := admin.CreateCredential(ctx, agent.AgentID, agentidp.CreateCredentialRequest{Type: &kind, JWK: jwkAny})
	must(t, err)
	tokens, err := agentidp.NewPrivateKeyJWTTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: agent.AgentID}, key)
	must(t, err)
	if credential.Kid == nil || tokens.KeyID != *credential.Kid {
		t.Fatalf("the default kid %q is not the server's %v", tokens.KeyID, credential.Kid)
	}
	token, err := tokens.TokenContext(ctx)
	must(t, err)
	verified, err := verifierFor(t, srv.BaseURL).Verify(ctx, token)
	must(t, err)
	if verified.AgentID() != agent.AgentID {
		t.Fatal("wrong subject")
	}
}

func TestADelegatedTokenNamesItsActorChain(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	actor, actorSecret := newAgent(t, admin, nil)
	subject, subjectSecret := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) { b.AllowedActors = []string{actor.AgentID} })
	own := func(id, secret string) string {
		token, err := admin.Token(ctx, url.Values{"grant_type": {"client_credentials"}}, &agentidp.ClientSecret{ID: id, Secret: secret})
		must(t, err)
		return token.AccessToken
	}
	exchanged, err := admin.Token(ctx, url.Values{
		"grant_type":    {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {own(subject.AgentID, subjectSecret)}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"actor_token": {own(actor.AgentID, actorSecret)}, "actor_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
	}, &agentidp.ClientSecret{ID: actor.AgentID, Secret: actorSecret})
	must(t, err)
	verified, err := verifierFor(t, srv.BaseURL).Verify(ctx, exchanged.AccessToken)
	must(t, err)
	if verified.AgentID() != subject.AgentID || verified.Actor() != actor.AgentID || len(verified.DelegationChain()) != 1 {
		t.Fatalf("claims %+v", verified.Claims)
	}
}

func TestAuditEventsAreListedPageByPageAndRead(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, _ := newAgent(t, admin, nil)
	events := collect(t, admin.ListAuditEvents(ctx, url.Values{"agentId": {agent.AgentID}, "limit": {"1"}}))
	if len(events) < 2 {
		t.Fatalf("%d events", len(events))
	}
	one, err := admin.GetAuditEvent(ctx, events[0].EventID)
	must(t, err)
	if one.EventID != events[0].EventID {
		t.Fatal("another event")
	}
}

func TestPublicAgentsAndDocumentsAreReadWithoutAToken(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	word := "sailors" + time.Now().Format("150405000000")
	agent, _ := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) {
		public, description := true, "Forecasts for "+word
		b.IsPublic, b.Description = &public, &description
	})
	anonymous, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: srv.BaseURL})
	must(t, err)
	found := collect(t, anonymous.SearchMarketplace(ctx, url.Values{"q": {word}}))
	if len(found) != 1 || found[0].AgentID != agent.AgentID {
		t.Fatalf("found %v", found)
	}
	page, err := anonymous.GetMarketplaceAgent(ctx, agent.AgentID)
	must(t, err)
	if page.AgentID != agent.AgentID {
		t.Fatal("another agent")
	}
	metadata, err := anonymous.GetServerMetadata(ctx)
	must(t, err)
	if metadata.Issuer != srv.BaseURL {
		t.Fatalf("issuer %q", metadata.Issuer)
	}
	for name, call := range map[string]func() (map[string]any, error){
		"jwks":       func() (map[string]any, error) { return anonymous.GetJWKS(ctx) },
		"server did": func() (map[string]any, error) { return anonymous.GetServerDID(ctx) },
		"agent did":  func() (map[string]any, error) { return anonymous.GetAgentDID(ctx, agent.AgentID) },
	} {
		doc, err := call()
		must(t, err)
		if len(doc) == 0 {
			t.Fatalf("%s is empty", name)
		}
	}
	_, err = anonymous.GetAgentCard(ctx, agent.AgentID)
	wantStatus(t, err, 404, "")
	health, err := anonymous.Health(ctx)
	must(t, err)
	if health.Status != "ok" {
		t.Fatalf("health %q", health.Status)
	}
	_, err = anonymous.HealthDetailed(ctx)
	must(t, err)
	var apiErr *agentidp.Error
	if _, err := anonymous.GetUsage(ctx); !errors.As(err, &apiErr) || apiErr.Code != "no_credentials" {
		t.Fatalf("got %v, want no_credentials", err)
	}
}

func TestTrustPoliciesAreManagedAndABadWorkloadTokenIsRefused(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, _ := newAgent(t, admin, nil)
	provider, repo, branch := "github", "acme/weather", "main"
	policy, err := admin.CreateTrustPolicy(ctx, agentidp.CreateTrustPolicyRequest{AgentID: agent.AgentID, Provider: &provider, Repository: &repo, Branch: &branch})
	must(t, err)
	got, err := admin.GetTrustPolicy(ctx, policy.PolicyID)
	must(t, err)
	if got.Claims["repository"] != repo {
		t.Fatalf("claims %v", got.Claims)
	}
	listed := collect(t, admin.ListTrustPolicies(ctx, url.Values{"agentId": {agent.AgentID}}))
	if len(listed) != 1 {
		t.Fatalf("listed %v", listed)
	}
	description := "release builds"
	updated, err := admin.UpdateTrustPolicy(ctx, policy.PolicyID, agentidp.UpdateTrustPolicyRequest{Description: &description})
	must(t, err)
	if updated.Description == nil || *updated.Description != description {
		t.Fatalf("updated %+v", updated)
	}
	must(t, admin.DeleteTrustPolicy(ctx, policy.PolicyID))
	_, err = admin.GetTrustPolicy(ctx, policy.PolicyID)
	wantStatus(t, err, 404, "")
	_, err = admin.ExchangeWorkloadToken(ctx, agentidp.WorkloadTokenRequest{Token: "not-a-jwt", AgentID: &agent.AgentID})
	wantStatus(t, err, 400, "")
}

func TestUsageCheckoutRefusalAndSignUp(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	usage, err := admin.GetUsage(ctx)
	must(t, err)
	if len(usage.Month) != 7 {
		t.Fatalf("month %q", usage.Month)
	}
	_, err = admin.CreateCheckout(ctx, "upgrade-1")
	wantStatus(t, err, 409, "BILLING_DISABLED")
	anonymous, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: srv.BaseURL})
	must(t, err)
	tenant, err := anonymous.SignUp(ctx, "acme-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	must(t, err)
	if !strings.HasPrefix(tenant.Admin.ClientSecret, "sk_") {
		t.Fatal("no admin secret")
	}
}

func TestCheckoutReturnsTheStripeSessionURLWhenBillingIsOn(t *testing.T) {
	stripe := newStandIn(func(_ int, w http.ResponseWriter) {
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_1"})
	})
	defer stripe.Close()
	billing, err := startServer(map[string]string{"BILLING_ENABLED": "true", "STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_PRICE_ID": "price_1", "STRIPE_API_BASE": stripe.URL})
	must(t, err)
	defer billing.stop()
	session, err := billing.admin(t).CreateCheckout(context.Background(), "upgrade-1")
	must(t, err)
	if session.CheckoutURL != "https://checkout.stripe.com/c/pay/cs_test_1" || stripe.requests[0].URL.Path != "/v1/checkout/sessions" {
		t.Fatalf("session %+v", session)
	}
}

func TestARevokedBearerTokenIsReplacedAndTheCallRetried(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	agent, secret := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) { b.AllowedScopes = []string{"agents:read"} })
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: agent.AgentID}, secret)
	must(t, err)
	revoked, err := tokens.TokenContext(ctx)
	must(t, err)
	must(t, admin.Revoke(ctx, revoked, agentidp.ClientSecret{ID: agent.AgentID, Secret: secret}))
	client, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: srv.BaseURL, TokenSource: tokens})
	must(t, err)
	_, err = client.GetUsage(ctx)
	must(t, err)
	if fresh, _ := tokens.TokenContext(ctx); fresh == revoked {
		t.Fatal("the provider kept the revoked token")
	}
}
