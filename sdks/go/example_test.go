package agentidp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
	"golang.org/x/oauth2"
)

// An agent gets a cached, auto-refreshed token; as an oauth2.TokenSource it plugs into any
// HTTP client of golang.org/x/oauth2.
func ExampleClientCredentialsTokenSource() {
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{
		BaseURL:  os.Getenv("AGENTIDP_URL"),
		ClientID: os.Getenv("AGENT_ID"),
		Scopes:   []string{"weather:read"},
	}, os.Getenv("AGENT_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	token, err := tokens.TokenContext(context.Background()) // cached until shortly before expiry
	if err != nil {
		log.Fatal(err)
	}
	httpClient := oauth2.NewClient(context.Background(), tokens) // sends "Authorization: Bearer …"
	fmt.Println(token != "", httpClient != nil)
	// Output: true true
}

// A service accepts only tokens for it that carry weather:read.
func ExampleTokenVerifier_Middleware() {
	ctx := context.Background()
	issuer := os.Getenv("AGENTIDP_URL")
	// Tokens requested without a resource carry the issuer as audience.
	verifier, err := agentidp.NewTokenVerifier(ctx, agentidp.VerifierConfig{Issuer: issuer, Audience: issuer})
	if err != nil {
		log.Fatal(err)
	}
	forecast := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := agentidp.FromContext(r.Context())
		fmt.Fprintf(w, "sunny for the caller: %v", token.AgentID() == os.Getenv("AGENT_ID"))
	})
	service := httptest.NewServer(verifier.Middleware("weather:read")(forecast))
	defer service.Close()

	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{
		BaseURL: issuer, ClientID: os.Getenv("AGENT_ID"),
	}, os.Getenv("AGENT_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	for _, client := range []*http.Client{oauth2.NewClient(ctx, tokens), http.DefaultClient} {
		response, err := client.Get(service.URL)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(response.Body)
		_ = response.Body.Close()
		if response.StatusCode == http.StatusOK {
			fmt.Println(response.StatusCode, string(body))
		} else {
			fmt.Println(response.StatusCode, response.Header.Get("WWW-Authenticate"))
		}
	}
	// Output:
	// 200 sunny for the caller: true
	// 401 Bearer
}

// An administrator lists agents page by page with a range-over-func loop.
func ExampleClient_ListAgents() {
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{
		BaseURL: os.Getenv("AGENTIDP_URL"), ClientID: srv.AdminID,
	}, srv.AdminSecret)
	if err != nil {
		log.Fatal(err)
	}
	client, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: os.Getenv("AGENTIDP_URL"), TokenSource: tokens})
	if err != nil {
		log.Fatal(err)
	}
	found := false
	for agent, err := range client.ListAgents(context.Background(), url.Values{"limit": {"10"}}) {
		if err != nil {
			log.Fatal(err)
		}
		found = found || agent.AgentID == os.Getenv("AGENT_ID")
	}
	fmt.Println("the example agent is listed:", found)
	// Output: the example agent is listed: true
}
