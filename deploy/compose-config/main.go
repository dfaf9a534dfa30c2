// Command compose-config loads a Compose file the way `docker compose config` does, with the
// Compose project's own loader (compose-go: interpolation from an env file, the Compose
// specification's schema, references between services), and prints the resolved project as
// JSON. CI checks deploy/compose.yaml with it, and the stack test runs the services it prints,
// on a machine with no container engine.
//
//	go run . -f ../compose.yaml --env-file ../.env > project.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "compose.yaml", "the Compose file")
	envFile := flag.String("env-file", "", "the env file its variables are interpolated from")
	flag.Parse()
	if err := run(*file, *envFile); err != nil {
		fmt.Fprintln(os.Stderr, "compose-config:", err)
		os.Exit(1)
	}
}

func run(file, envFile string) error {
	options := []cli.ProjectOptionsFn{cli.WithDotEnv}
	if envFile != "" {
		options = append([]cli.ProjectOptionsFn{cli.WithEnvFiles(envFile)}, options...)
	}
	projectOptions, err := cli.NewProjectOptions([]string{file}, options...)
	if err != nil {
		return err
	}
	project, err := projectOptions.LoadProject(context.Background())
	if err != nil {
		return err
	}
	json, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(json, '\n'))
	return err
}
