// Package agentidp is the Go SDK of AgentIdP, the identity provider for AI agents.
//
// An agent gets cached, auto-refreshed access tokens from a [ClientCredentialsTokenSource] or a
// [PrivateKeyJWTTokenSource] (both are [golang.org/x/oauth2.TokenSource]s); a service verifies
// them offline with a [TokenVerifier] and protects its handlers with [TokenVerifier.Middleware];
// administrators drive every endpoint with a [Client]. Behaviour follows the conformance cases
// every AgentIdP SDK shares (sdks/conformance/cases.json).
package agentidp

//go:generate go run ./internal/cmd/genmodels
