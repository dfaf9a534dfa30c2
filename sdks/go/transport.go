package agentidp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Version is the SDK's version, which follows the server's.
const Version = "0.1.0"

var userAgent = "agentidp-go/" + Version

// RetryPolicy says how failed requests are retried: Retries after the first attempt, backoff
// doubling from BaseDelay with full jitter, and giving up rather than waiting beyond MaxDelay.
type RetryPolicy struct {
	Retries   int
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// DefaultRetryPolicy is 3 retries from 200 ms, never waiting more than 30 s.
var DefaultRetryPolicy = RetryPolicy{Retries: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 30 * time.Second}

// request is one call as the SDK builds it. A 5xx is retried only when idempotent; a 429 always
// is, because the server refused it before doing anything.
type request struct {
	method     string
	path       string
	json       any
	form       url.Values
	header     http.Header
	idempotent bool
	bearer     bool
}

type transport struct {
	base   string
	http   *http.Client
	policy RetryPolicy
}

// newTransport sends to base with client (default: a 30 s timeout) and retry (default
// DefaultRetryPolicy).
func newTransport(base string, client *http.Client, retry *RetryPolicy) *transport {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	policy := DefaultRetryPolicy
	if retry != nil {
		policy = *retry
	}
	return &transport{base: strings.TrimRight(base, "/"), http: client, policy: policy}
}

// send performs req, retrying as the policy allows, and decodes a JSON answer into out (if non-nil).
func (t *transport) send(ctx context.Context, req request, out any) error {
	var body []byte
	contentType := ""
	switch {
	case req.form != nil:
		body, contentType = []byte(req.form.Encode()), "application/x-www-form-urlencoded"
	case req.json != nil:
		encoded, err := json.Marshal(req.json)
		if err != nil {
			return fmt.Errorf("agentidp: encoding the request: %w", err)
		}
		body, contentType = encoded, "application/json"
	}
	for attempt := 0; ; attempt++ {
		httpReq, err := http.NewRequestWithContext(ctx, req.method, t.base+req.path, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("agentidp: building the request: %w", err)
		}
		for k, v := range req.header {
			httpReq.Header[k] = v
		}
		httpReq.Header.Set("Accept", "application/json")
		httpReq.Header.Set("User-Agent", userAgent)
		if contentType != "" {
			httpReq.Header.Set("Content-Type", contentType)
		}
		resp, err := t.http.Do(httpReq)
		if err != nil {
			if req.idempotent && attempt < t.policy.Retries && ctx.Err() == nil {
				if err := sleep(ctx, t.backoff(attempt)); err != nil {
					return err
				}
				continue
			}
			return &Error{Code: "network_error", Message: fmt.Sprintf("%s %s failed: %v", req.method, req.path, err), Details: map[string]any{}, cause: err}
		}
		answer, readErr := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		_ = resp.Body.Close()
		if readErr != nil {
			return &Error{Code: "network_error", Message: "reading the response: " + readErr.Error(), Status: resp.StatusCode, Details: map[string]any{}, cause: readErr}
		}
		if resp.StatusCode < 300 {
			if out == nil || len(answer) == 0 {
				return nil
			}
			if err := json.Unmarshal(answer, out); err != nil {
				return fmt.Errorf("agentidp: decoding the response of %s %s: %w", req.method, req.path, err)
			}
			return nil
		}
		apiErr := errorFromResponse(resp.StatusCode, answer, fmt.Sprintf("%s %s: HTTP %d", req.method, req.path, resp.StatusCode))
		retryable := resp.StatusCode == 429 || (resp.StatusCode >= 500 && req.idempotent)
		if !retryable || attempt >= t.policy.Retries {
			return apiErr
		}
		wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			wait = t.backoff(attempt)
		}
		if wait > t.policy.MaxDelay {
			return apiErr
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// backoff is exponential with full jitter, so a fleet of agents does not retry in step.
func (t *transport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay/2 + time.Duration(rand.Float64()*float64(t.policy.BaseDelay)*float64(int(1)<<attempt))
	return min(d, t.policy.MaxDelay)
}

// retryAfter parses Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(value); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(0, at.Sub(now)), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// basicAuth is HTTP Basic client authentication; both halves form-urlencoded first (RFC 6749 §2.3.1).
func basicAuth(clientID, secret string) string {
	raw := url.QueryEscape(clientID) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw))
}

// isStatus reports whether err is an *Error with this HTTP status.
func isStatus(err error, status int) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Status == status
}
