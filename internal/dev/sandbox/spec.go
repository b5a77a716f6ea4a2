package sandbox

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// specFiles are the seed description of create and the supplement for the
// other ticket endpoints (copies of pkg/periskope/testdata).
//
//go:embed spec/*.yaml
var specFiles embed.FS

// specServer is the server both documents declare; requests are matched as
// if they had been sent there.
const specServer = "https://api.periskope.app"

// spec validates requests against the OpenAPI documents.
type spec struct {
	routers []routers.Router
}

func loadSpec() (*spec, error) {
	sp := &spec{}
	for _, name := range []string{"spec/create-ticket.openapi.yaml", "spec/tickets.openapi.yaml"} {
		data, err := specFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %s: %w", name, err)
		}
		router, err := legacy.NewRouter(doc) // also validates the document
		if err != nil {
			return nil, fmt.Errorf("sandbox: %s: %w", name, err)
		}
		sp.routers = append(sp.routers, router)
	}
	return sp, nil
}

// validate checks r (whose body is body) against the operation it matches.
// The bearer key is checked before, by the sandbox itself.
func (sp *spec) validate(r *http.Request, body []byte) error {
	u, err := url.Parse(specServer + r.URL.RequestURI())
	if err != nil {
		return err
	}
	vreq := r.Clone(context.Background())
	vreq.URL, vreq.Host, vreq.RequestURI = u, u.Host, ""
	for _, router := range sp.routers {
		route, params, err := router.FindRoute(vreq)
		if err != nil {
			continue
		}
		vreq.Body = io.NopCloser(bytes.NewReader(body))
		return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request:    vreq,
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc, // checked before, with the real key
				SkipSettingDefaults:               true,
				RejectWhenRequestBodyNotSpecified: true,
			},
		})
	}
	return errors.New("no operation of the spec matches this request")
}

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
