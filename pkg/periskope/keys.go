package periskope

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// KeyProvider supplies each request's API key. On a 401 the client calls its
// RefreshAPIKey(ctx) (string, error), if any, and retries once with a new key.
type KeyProvider interface {
	APIKey(ctx context.Context) (string, error)
}

// staticKey is the KeyProvider of WithAPIKey.
type staticKey string

func (k staticKey) APIKey(context.Context) (string, error) { return string(k), nil }

// apiKey fetches a key and checks it can go into a header.
func (c *Client) apiKey(ctx context.Context, get func(context.Context) (string, error)) (string, error) {
	key, err := get(ctx)
	if err != nil {
		return "", fmt.Errorf("periskope: API key: %w", err)
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", errors.New("periskope: API key is empty or contains control characters")
	}
	return key, nil
}

// refreshKey asks the KeyProvider for a new key, if it can give one. ok is
// false when it cannot or the key did not change, so a retry would be
// pointless.
func (c *Client) refreshKey(ctx context.Context, old string) (key string, ok bool, err error) {
	kr, isRefresher := c.keys.(interface {
		RefreshAPIKey(ctx context.Context) (string, error)
	})
	if !isRefresher {
		return "", false, nil
	}
	key, err = c.apiKey(ctx, kr.RefreshAPIKey)
	if err != nil {
		return "", false, err
	}
	return key, key != old, nil
}
