package agentidp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
)

func TestTheMiddlewareAnswersRefusalsPerRFC6750(t *testing.T) {
	ctx, admin := context.Background(), srv.admin(t)
	writer, secret := newAgent(t, admin, func(b *agentidp.CreateAgentRequest) { b.AllowedScopes = []string{"weather:write"} })
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: writer.AgentID}, secret)
	must(t, err)
	token, err := tokens.TokenContext(ctx)
	must(t, err)
	handler := verifierFor(t, srv.BaseURL).Middleware("weather:read")(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a refused request reached the handler")
	}))
	for _, c := range []struct {
		authorization, status, challenge, code string
	}{
		{"", "401", "Bearer", "malformed"},
		{"Bearer not.a.jwt", "401", `Bearer, error="invalid_token"`, "malformed"},
		{"Bearer " + token, "403", `Bearer, error="insufficient_scope"`, "insufficient_scope"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/forecast", nil)
		if c.authorization != "" {
			r.Header.Set("Authorization", c.authorization)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if got := w.Result().Status; !strings.HasPrefix(got, c.status) {
			t.Errorf("%q: status %s, want %s", c.authorization, got, c.status)
		}
		if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, c.challenge) {
			t.Errorf("%q: challenge %q, want %q…", c.authorization, got, c.challenge)
		}
		if !strings.Contains(w.Body.String(), `"code":"`+c.code+`"`) {
			t.Errorf("%q: body %s", c.authorization, w.Body.String())
		}
	}
}
