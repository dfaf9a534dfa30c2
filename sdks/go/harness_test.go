package agentidp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
)

// server is a real agentidp started for the package's tests (binary from AGENTIDP_BIN, SQLite
// in a temporary directory); the examples read its address and an agent from the environment.
type server struct {
	BaseURL, AdminID, AdminSecret string
	cmd                           *exec.Cmd
	dir                           string
}

var srv *server

func TestMain(m *testing.M) {
	var err error
	srv, err = startServer(map[string]string{"MARKETPLACE_ENABLED": "true", "SIGNUP_ENABLED": "true"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The examples read the server and an agent allowed weather:read from the environment, as
	// a user's program would.
	agent, secret, err := exampleAgent()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		srv.stop()
		os.Exit(1)
	}
	_ = os.Setenv("AGENTIDP_URL", srv.BaseURL)
	_ = os.Setenv("AGENT_ID", agent)
	_ = os.Setenv("AGENT_SECRET", secret)
	code := m.Run()
	srv.stop()
	os.Exit(code)
}

func startServer(env map[string]string) (*server, error) {
	bin := os.Getenv("AGENTIDP_BIN")
	if bin == "" {
		return nil, fmt.Errorf("set AGENTIDP_BIN to the agentidp binary (cargo build --bin agentidp)")
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := listener.Addr().(*net.TCPAddr).Port
	_ = listener.Close()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	dir, err := os.MkdirTemp("", "agentidp-go-sdk-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BIND_ADDR=127.0.0.1:"+fmt.Sprint(port), "PUBLIC_URL="+base, "RUST_LOG=warn")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{BaseURL: base, cmd: cmd, dir: dir}
	found := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(out)
		idRe, secretRe := regexp.MustCompile(`^client_id:\s*(\S+)`), regexp.MustCompile(`^client_secret:\s*(\S+)`)
		for lines.Scan() {
			if m := idRe.FindStringSubmatch(lines.Text()); m != nil {
				s.AdminID = m[1]
			}
			if m := secretRe.FindStringSubmatch(lines.Text()); m != nil {
				s.AdminSecret = m[1]
				close(found)
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("agentidp did not print its admin credentials")
	}
	for i := 0; i < 100; i++ {
		if r, err := http.Get(base + "/health"); err == nil {
			_ = r.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.dir)
}

// admin is a client authenticated as the server's admin agent.
func (s *server) admin(t testing.TB) *agentidp.Client {
	t.Helper()
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: s.BaseURL, ClientID: s.AdminID}, s.AdminSecret)
	must(t, err)
	client, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: s.BaseURL, TokenSource: tokens})
	must(t, err)
	return client
}

var emailSeq struct {
	sync.Mutex
	n int
}

// agentBody is a valid registration with a unique e-mail.
func agentBody(edit func(*agentidp.CreateAgentRequest)) agentidp.CreateAgentRequest {
	emailSeq.Lock()
	emailSeq.n++
	n := emailSeq.n
	emailSeq.Unlock()
	body := agentidp.CreateAgentRequest{
		Email: fmt.Sprintf("bot-%d-%d@example.com", time.Now().UnixNano(), n), Name: "Weather bot", AgentType: "retrieval",
		Version: "1.0.0", Owner: "weather-team", DeploymentEnv: "production", AllowedScopes: []string{"weather:read", "weather:write"},
	}
	if edit != nil {
		edit(&body)
	}
	return body
}

// newAgent registers an agent and gives it a secret.
func newAgent(t testing.TB, c *agentidp.Client, edit func(*agentidp.CreateAgentRequest)) (*agentidp.AgentResponse, string) {
	t.Helper()
	ctx := context.Background()
	agent, err := c.CreateAgent(ctx, agentBody(edit))
	must(t, err)
	credential, err := c.CreateCredential(ctx, agent.AgentID, agentidp.CreateCredentialRequest{})
	must(t, err)
	return agent, *credential.ClientSecret
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// conformance is sdks/conformance/cases.json.
var conformance = func() (cases struct {
	Verifier struct {
		Options struct {
			Issuer, Audience string
			RequiredScopes   []string
			LeewaySeconds    int
		}
		JWKS        json.RawMessage `json:"jwks"`
		RotatedJWKS json.RawMessage `json:"rotatedJwks"`
		Cases       []struct {
			ID, Description, Token string
			Expect                 struct {
				OK              bool
				Error           string
				Sub, Actor      string
				Scopes          []string
				DelegationChain []string
			}
		}
	}
	TokenProvider struct {
		ClientID, ClientSecret string
		Cases                  []struct {
			ID, Description string
			Responses       []struct {
				Status  int
				Headers map[string]string
				Body    json.RawMessage
				DelayMs int
			}
			Calls      int
			Concurrent bool
			PauseMs    int
			Expect     struct {
				Requests     int
				Tokens       []string
				MinElapsedMs int
				Error        *struct {
					Status int
					Code   string
				}
			}
		}
	}
	Client struct {
		Cases []struct {
			ID, Description, Call, AgentID string
			Create, PageSize               int
			Body                           json.RawMessage
			Expect                         struct {
				Status int
				Code   string
			}
		}
	}
}) {
	raw, err := os.ReadFile("../conformance/cases.json")
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		panic(err)
	}
	return cases
}()

// standIn is a local HTTP server answering the n-th request with answer(n).
type standIn struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

func newStandIn(answer func(n int, w http.ResponseWriter)) *standIn {
	s := &standIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.requests)
		s.requests = append(s.requests, r)
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		answer(n, w)
	}))
	return s
}

func (s *standIn) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func jsonUnmarshal(raw json.RawMessage, out any) error { return json.Unmarshal(raw, out) }

func exampleAgent() (string, string, error) {
	tokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{BaseURL: srv.BaseURL, ClientID: srv.AdminID}, srv.AdminSecret)
	if err != nil {
		return "", "", err
	}
	admin, err := agentidp.NewClient(agentidp.ClientConfig{BaseURL: srv.BaseURL, TokenSource: tokens})
	if err != nil {
		return "", "", err
	}
	agent, err := admin.CreateAgent(context.Background(), agentBody(func(b *agentidp.CreateAgentRequest) { b.AllowedScopes = []string{"weather:read"} }))
	if err != nil {
		return "", "", err
	}
	credential, err := admin.CreateCredential(context.Background(), agent.AgentID, agentidp.CreateCredentialRequest{})
	if err != nil {
		return "", "", err
	}
	return agent.AgentID, *credential.ClientSecret, nil
}
