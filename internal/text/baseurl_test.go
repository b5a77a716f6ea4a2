package text_test

import (
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		raw, plainHTTPHost string
		wantErr            string // "" accepts
	}{
		{raw: "https://api.periskope.app/v1"},
		{raw: "http://127.0.0.1:4010/v1"},
		{raw: "http://[::1]:4010/v1"},
		{raw: "http://localhost:4010/v1"},
		{raw: "http://host.docker.internal:4010/v1", plainHTTPHost: "host.docker.internal"},
		{raw: "http://HOST.docker.internal:4010/v1", plainHTTPHost: "host.docker.internal"},
		{raw: "http://api.periskope.app/v1", wantErr: "plain http is allowed only for a loopback host; use https"},
		{raw: "http://api.periskope.app/v1", plainHTTPHost: "172.17.0.1", wantErr: "plain http is allowed only for a loopback host or 172.17.0.1"},
		{raw: "api.periskope.app", wantErr: "want https://host[/prefix]"},
		{raw: "ftp://api.periskope.app/v1", wantErr: "want https://host[/prefix]"},
		{raw: "https://api.periskope.app/v1?k=1", wantErr: "no user info, query or fragment"},
		{raw: "https://api.periskope.app/v1#f", wantErr: "no user info, query or fragment"},
		{raw: "https://user:hunter2@api.periskope.app/v1", wantErr: "no user info"},
		{raw: "https://api.periskope.app/\x7fhunter2", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		err := text.CheckBaseURL(tt.raw, tt.plainHTTPHost)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("CheckBaseURL(%q, %q) = %v, want nil", tt.raw, tt.plainHTTPHost, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("CheckBaseURL(%q, %q) = %v, want an error with %q", tt.raw, tt.plainHTTPHost, err, tt.wantErr)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("CheckBaseURL(%q) = %v: shows the password", tt.raw, err)
		}
	}
}
