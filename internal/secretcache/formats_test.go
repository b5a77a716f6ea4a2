package secretcache

import (
	"reflect"
	"testing"
)

func TestParseAPIKey(t *testing.T) {
	tests := []struct {
		raw     string
		want    string
		wantErr bool
	}{
		{"key-1", "key-1", false},
		{" key-1\n", "key-1", false},
		{`{"api_key": "key-2"}`, "key-2", false},
		{`{"api_key": ""}`, "", true},
		{`{"api_key": 5}`, "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseAPIKey(tt.raw)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseAPIKey(%q) = %q, %v", tt.raw, got, err)
		}
	}
}

func TestParseSigningKeys(t *testing.T) {
	tests := []struct {
		raw     string
		want    []string
		wantErr bool
	}{
		{"k1", []string{"k1"}, false},
		{`{"signing_keys": ["new", " ", "old"]}`, []string{"new", "old"}, false},
		{`{"signing_keys": []}`, nil, true},
		{`{"signing_keys": "k"}`, nil, true},
		{"  ", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseSigningKeys(tt.raw)
		if !reflect.DeepEqual(got, tt.want) || (err != nil) != tt.wantErr {
			t.Errorf("ParseSigningKeys(%q) = %q, %v", tt.raw, got, err)
		}
	}
}
