package text

import (
	"strings"
	"testing"
)

func TestCheckTable(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"periskope-tickets", true},
		{"a.b_c-1", true},
		{"ab", false},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{"has space", false},
		{"tickets/prod", false},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/periskope-tickets", true},
		{"arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t01", true},
		{"arn:aws:dynamodb:eu-west-1:12345678901:table/periskope-tickets", false},
		{"arn:aws:dynamodb:eu-west-1:12345678901a:table/periskope-tickets", false},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/periskope-tickets-é", false},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/ab", false},
		{"arn:aws:s3:eu-west-1:123456789012:table/tickets", false},
		{"arn:aws:dynamodb::123456789012:table/tickets", false},
		{"arn:aws:dynamodb:eu-west-1:123456789012:index/tickets", false},
		{"arn:aws:dynamodb:EU-west-1:123456789012:table/tickets", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckTable(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckTable(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestCheckSecretID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"periskope/prod/api-key", true},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/api-key-AbCdEf", true},
		{"name+=.@_-", true},
		{"", false},
		{"has space", false},
		{"tab\there", false},
		{"{\"api_key\":\"x\"}", false},
		{strings.Repeat("a", maxSecretIDLen), true},
		{strings.Repeat("a", maxSecretIDLen+1), false},
	}
	for _, tt := range tests {
		if err := CheckSecretID(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckSecretID(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}
