package agentidp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"testing"

	agentidp "github.com/sentryagent/agentidp/sdks/go"
	"github.com/sentryagent/agentidp/sdks/go/internal/openapigen"
)

// notInTheClient lists the operations a client has no business calling, and why.
var notInTheClient = map[string]string{"metrics": "Prometheus scrapes it", "webhook": "only Stripe calls it, signed"}

func TestModelsGenGoIsWhatTheGeneratorWritesFromTheOpenAPIDocument(t *testing.T) {
	spec, err := os.ReadFile("../../docs/openapi.json")
	must(t, err)
	want, err := openapigen.Render(spec)
	must(t, err)
	got, err := os.ReadFile("models_gen.go")
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatal("models_gen.go is stale: run `go generate` in sdks/go")
	}
}

func TestEveryOperationOfTheAPIHasAClientMethod(t *testing.T) {
	spec, err := os.ReadFile("../../docs/openapi.json")
	must(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	must(t, json.Unmarshal(spec, &doc))
	client := reflect.TypeOf(&agentidp.Client{})
	ids := map[string]bool{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ids[op.OperationID] = true
			if _, skip := notInTheClient[op.OperationID]; skip {
				continue
			}
			name, ok := agentidp.Operations[op.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) has no client method: add one and list it in Operations", method, path, op.OperationID)
			} else if _, ok := client.MethodByName(name); !ok {
				t.Errorf("Operations names %s, which Client lacks", name)
			}
		}
	}
	for id := range agentidp.Operations {
		if !ids[id] {
			t.Errorf("Operations names %s, which the API no longer has", id)
		}
	}
}

func TestTheSDKVersionFollowsTheServerVersion(t *testing.T) {
	cargo, err := os.ReadFile("../../Cargo.toml")
	must(t, err)
	server := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(cargo)
	if server == nil || string(server[1]) != agentidp.Version {
		t.Fatalf("SDK %s, server %s", agentidp.Version, server)
	}
}
