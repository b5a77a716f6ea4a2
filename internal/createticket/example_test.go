package createticket_test

import (
	"encoding/json"
	"fmt"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
)

// ParseRequest normalises what it accepts into the exact body Periskope gets.
func ExampleParseRequest() {
	req, apiErr := createticket.ParseRequest([]byte(`{
		"chat_id": "919876543210",
		"subject": "  Printer on fire ",
		"priority": 3,
		"labels": ["billing", "urgent"]
	}`))
	if apiErr != nil {
		fmt.Println(apiErr.Code, apiErr.Field)
		return
	}
	body, _ := json.Marshal(req)
	fmt.Println(string(body))
	// Output: {"chat_id":"919876543210@c.us","subject":"Printer on fire","labels":"billing, urgent","priority":"3"}
}

// Every refusal names the field at fault.
func ExampleParseRequest_invalid() {
	_, apiErr := createticket.ParseRequest([]byte(`{"chat_id": "919876543210@c.us", "subject": "x", "priority": 9}`))
	fmt.Println(apiErr.Status, apiErr.Code, apiErr.Field)
	resp := apiErr.Response()
	fmt.Println(resp.Body)
	// Output:
	// 400 invalid_field priority
	// {"error":{"code":"invalid_field","message":"priority must be 1 (low), 2 (medium), 3 (high) or 4 (urgent), as a number or a string","field":"priority"}}
}

// ConfigFromEnv fails naming the variable at fault.
func ExampleConfigFromEnv() {
	env := map[string]string{
		"PERISKOPE_PHONE":          "919876543210",
		"PERISKOPE_API_KEY_SECRET": "periskope/api-key",
	}
	_, err := createticket.ConfigFromEnv(func(name string) string { return env[name] })
	fmt.Println(err)
	// Output: createticket: configuration: TICKETS_TABLE is not set
}
