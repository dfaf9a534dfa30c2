package agentidp

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is the server, e.g. https://idp.example.com.
	BaseURL string
	// TokenSource gives the bearer token of management calls (e.g. a
	// ClientCredentialsTokenSource); public endpoints need none.
	TokenSource oauth2.TokenSource
	// HTTPClient sends the requests (default: one with a 30 s timeout).
	HTTPClient *http.Client
	// Retry is the retry policy (default DefaultRetryPolicy).
	Retry *RetryPolicy
}

// Client is a typed client for every endpoint of AgentIdP's REST and OAuth APIs, safe for
// concurrent use. List methods return iterators that fetch pages as they go.
type Client struct {
	t      *transport
	tokens oauth2.TokenSource
}

// NewClient returns a client of the server at cfg.BaseURL.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("agentidp: BaseURL is required")
	}
	return &Client{t: newTransport(cfg.BaseURL, cfg.HTTPClient, cfg.Retry), tokens: cfg.TokenSource}, nil
}

// call sends req, with the bearer token when it needs one; a 401 makes a caching token source
// fetch a fresh token, and the call is retried once.
func (c *Client) call(ctx context.Context, req request, out any) error {
	if !req.bearer {
		return c.t.send(ctx, req, out)
	}
	if c.tokens == nil {
		return &Error{Code: "no_credentials", Message: "this call needs a TokenSource", Details: map[string]any{}}
	}
	attempt := func() error {
		token, err := c.bearer(ctx)
		if err != nil {
			return err
		}
		req.header = cloneWith(req.header, "Authorization", "Bearer "+token)
		return c.t.send(ctx, req, out)
	}
	err := attempt()
	if inv, ok := c.tokens.(interface{ Invalidate() }); ok && isStatus(err, http.StatusUnauthorized) {
		inv.Invalidate()
		return attempt()
	}
	return err
}

func (c *Client) bearer(ctx context.Context) (string, error) {
	if s, ok := c.tokens.(interface {
		TokenContext(context.Context) (string, error)
	}); ok {
		return s.TokenContext(ctx)
	}
	token, err := c.tokens.Token()
	if err != nil {
		return "", err
	}
	return token.AccessToken, nil
}

func cloneWith(h http.Header, key, value string) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Set(key, value)
	return out
}

func get(path string) request {
	return request{method: http.MethodGet, path: path, idempotent: true, bearer: true}
}
func post(path string, body any) request {
	if body == nil {
		body = struct{}{}
	}
	return request{method: http.MethodPost, path: path, json: body, bearer: true}
}
func patch(path string, body any) request {
	return request{method: http.MethodPatch, path: path, json: body, bearer: true}
}
func del(path string) request {
	return request{method: http.MethodDelete, path: path, idempotent: true, bearer: true}
}
func public(r request) request { r.bearer = false; return r }
func seg(s string) string      { return url.PathEscape(s) }

// paginate iterates the items of every page of path, filtered by query.
func paginate[T any](ctx context.Context, c *Client, path string, query url.Values, bearer bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		for {
			var page struct {
				Data       []T     `json:"data"`
				NextCursor *string `json:"nextCursor"`
			}
			r := get(path + "?" + q.Encode())
			r.bearer = bearer
			if err := c.call(ctx, r, &page); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
			if page.NextCursor == nil || *page.NextCursor == "" {
				return
			}
			q.Set("cursor", *page.NextCursor)
		}
	}
}
