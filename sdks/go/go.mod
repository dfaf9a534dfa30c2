module github.com/sentryagent/agentidp/sdks/go

go 1.23.0

require (
	github.com/MicahParks/jwkset v0.8.0
	github.com/MicahParks/keyfunc/v3 v3.3.10
	github.com/golang-jwt/jwt/v5 v5.3.1
	golang.org/x/oauth2 v0.30.0
	golang.org/x/time v0.9.0
)
