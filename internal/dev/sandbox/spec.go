package sandbox

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// describe turns a validation error into one line for an API answer.
func describe(err error) string {
	var reqErr *openapi3filter.RequestError
	if !errors.As(err, &reqErr) {
		return firstLine(err)
	}
	reason := reqErr.Reason
	var schemaErr *openapi3.SchemaError
	if errors.As(reqErr.Err, &schemaErr) {
		reason = schemaErr.Reason
		if field := strings.Join(schemaErr.JSONPointer(), "."); field != "" && !strings.Contains(reason, `"`+field+`"`) {
			reason = field + ": " + reason
		}
	} else if reqErr.Err != nil {
		reason = firstLine(reqErr.Err)
	}
	switch {
	case reqErr.Parameter != nil:
		return fmt.Sprintf("%s parameter %s: %s", reqErr.Parameter.In, reqErr.Parameter.Name, reason)
	case reqErr.RequestBody != nil && schemaErr == nil:
		return "request body: " + reason
	}
	return reason
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
