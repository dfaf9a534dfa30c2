// Command genmodels writes models_gen.go from docs/openapi.json (run by `go generate`).
package main

import (
	"log"
	"os"

	"github.com/sentryagent/agentidp/sdks/go/internal/openapigen"
)

func main() {
	spec, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		log.Fatal(err)
	}
	src, err := openapigen.Render(spec)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("models_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
