package secretcache

import (
	"encoding/json"
	"errors"
	"strings"
)

// ParseAPIKey reads a Periskope API key secret: the key itself, or JSON
// {"api_key": "..."}.
func ParseAPIKey(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "{") {
		var v struct {
			APIKey string `json:"api_key"`
		}
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return "", errors.New(`JSON secret is not {"api_key": "..."}`)
		}
		raw = strings.TrimSpace(v.APIKey)
	}
	if raw == "" {
		return "", errors.New("API key is empty")
	}
	return raw, nil
}

// ParseSigningKeys reads a webhook signing key secret: one key, or JSON
// {"signing_keys": ["current", "previous"]} during a rotation. Blank keys
// are dropped; at least one must remain.
func ParseSigningKeys(raw string) ([]string, error) {
	trimmed := strings.TrimSpace(raw)
	keys := []string{trimmed}
	if strings.HasPrefix(trimmed, "{") {
		var v struct {
			SigningKeys []string `json:"signing_keys"`
		}
		if err := json.Unmarshal([]byte(trimmed), &v); err != nil {
			return nil, errors.New(`JSON secret is not {"signing_keys": [...]}`)
		}
		keys = v.SigningKeys
	}
	nonBlank := keys[:0:0]
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			nonBlank = append(nonBlank, k)
		}
	}
	if len(nonBlank) == 0 {
		return nil, errors.New("no signing key in secret")
	}
	return nonBlank, nil
}
