package deployment

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The defaults of CloudFormation (a function's) and of HTTP API (the
// largest integration timeout, TimeoutInMillis).
const (
	defaultLambdaTimeout            = 3 * time.Second
	defaultLambdaMemory             = 128
	apiGatewayMaxIntegrationTimeout = 30 * time.Second
)

// Function is one AWS::Lambda::Function of the stack.
type Function struct {
	LogicalID   string         // CreateTicketFunction
	Timeout     time.Duration  // Timeout
	MemoryMB    int            // MemorySize
	Environment map[string]any // intrinsics unresolved: see Deployment.Environment
	Routes      []Route        // the HTTP API routes that invoke it
}

// Route is one HTTP API route of a function (a SAM HttpApi event).
type Route struct {
	Method string
	Path   string
	// Timeout is the integration timeout: how long API Gateway waits for
	// the function before answering 503 itself.
	Timeout time.Duration
	// Authorizer is the security scheme its API's OpenAPI body requires
	// ("AWS_IAM"), "" for a public route.
	Authorizer string
}

// Functions returns the stack's Lambda functions, sorted by logical id.
func (d *Deployment) Functions() ([]Function, error) {
	return readAll(d, "AWS::Lambda::Function", d.Function)
}

// Function returns the function called id.
func (d *Deployment) Function(id string) (Function, error) {
	r, ok := d.translated[id]
	if !ok || r.Type != "AWS::Lambda::Function" {
		return Function{}, fmt.Errorf("deployment: template.yaml has no function %s (it has %s)",
			id, strings.Join(d.resourcesOfType("AWS::Lambda::Function"), ", "))
	}
	var p struct {
		Timeout     int
		MemorySize  int
		Environment struct{ Variables map[string]any }
	}
	if err := json.Unmarshal(r.Properties, &p); err != nil {
		return Function{}, fmt.Errorf("deployment: function %s: %w", id, err)
	}
	routes, err := d.routes(id)
	if err != nil {
		return Function{}, err
	}
	return Function{
		LogicalID:   id,
		Timeout:     cmp.Or(time.Duration(p.Timeout)*time.Second, defaultLambdaTimeout),
		MemoryMB:    cmp.Or(p.MemorySize, defaultLambdaMemory),
		Environment: p.Environment.Variables,
		Routes:      routes,
	}, nil
}

// routes reads the function's HttpApi events from the template as written:
// the SAM transform folds them into the API's OpenAPI body, where the
// method, path and timeout are harder to pair with the function.
func (d *Deployment) routes(id string) ([]Route, error) {
	raw, ok := d.raw[id]
	if !ok {
		return nil, nil
	}
	var ev struct {
		Events map[string]struct {
			Type       string
			Properties struct {
				APIID           struct{ Ref string } `json:"ApiId"`
				Method          string
				Path            string
				TimeoutInMillis int
			}
		}
	}
	if err := json.Unmarshal(raw.Properties, &ev); err != nil {
		return nil, fmt.Errorf("deployment: events of %s: %w", id, err)
	}
	var routes []Route
	for _, name := range slices.Sorted(maps.Keys(ev.Events)) {
		e := ev.Events[name]
		if e.Type != "HttpApi" {
			return nil, fmt.Errorf("%w: event %s of %s has type %s (only HttpApi is run locally)", ErrUnsupported, name, id, e.Type)
		}
		p := e.Properties
		auth, err := d.authorizer(p.APIID.Ref, p.Method, p.Path)
		if err != nil {
			return nil, err
		}
		routes = append(routes, Route{Method: p.Method, Path: p.Path, Authorizer: auth,
			Timeout: cmp.Or(time.Duration(p.TimeoutInMillis)*time.Millisecond, apiGatewayMaxIntegrationTimeout)})
	}
	return routes, nil
}

// authorizer reads the security scheme that the OpenAPI body of the API
// apiID requires for method on path, "" for none.
func (d *Deployment) authorizer(apiID, method, path string) (string, error) {
	var api struct {
		DefinitionBody struct {
			Paths map[string]map[string]struct{ Security any }
		}
	}
	if r, ok := d.raw[apiID]; ok && len(r.Properties) > 0 { // an HttpApi may have none
		if err := json.Unmarshal(r.Properties, &api); err != nil {
			return "", fmt.Errorf("deployment: API %s: %w", apiID, err)
		}
	}
	security := api.DefinitionBody.Paths[path][strings.ToLower(method)].Security
	if choice, ok := security.(map[string]any); ok && len(choice) == 1 {
		var err error
		if security, err = d.ifBranch(choice["Fn::If"]); err != nil {
			return "", err
		}
	}
	requirements, _ := security.([]any)
	for _, req := range requirements {
		schemes, _ := req.(map[string]any)
		for scheme := range schemes {
			return scheme, nil
		}
	}
	return "", nil
}

// Environment resolves fn's variables (see Resolve).
func (d *Deployment) Environment(fn Function, names Names, overrides map[string]string) (map[string]string, error) {
	env := make(map[string]string, len(fn.Environment))
	for name, v := range fn.Environment {
		s, err := d.Resolve(v, names, overrides)
		if err != nil {
			return nil, fmt.Errorf("deployment: %s of %s: %w", name, fn.LogicalID, err)
		}
		env[name] = s
	}
	return env, nil
}

// Names gives the local stand-in of the stack's resources: for a logical id
// (a Ref) or "LogicalId.Attribute" (a GetAtt), the name or value the local
// system uses, and false for one it has none for.
type Names func(ref string) (string, bool)

// Resolve evaluates one property value of the translated template to the
// string a deployed function would see: literals as CloudFormation renders
// them, Ref of a parameter as overrides or the default, Ref and GetAtt of a
// resource through names, Fn::If through the template's conditions. Any
// other intrinsic is ErrUnsupported.
func (d *Deployment) Resolve(v any, names Names, overrides map[string]string) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case map[string]any:
		ref, isRef := v["Ref"].(string)
		getAtt, _ := v["Fn::GetAtt"].([]any)
		switch {
		case len(v) != 1: // not one intrinsic function: unsupported, below
		case isRef:
			return d.ref(ref, names, overrides)
		case len(getAtt) == 2:
			return d.ref(fmt.Sprintf("%v.%v", getAtt[0], getAtt[1]), names, overrides)
		case v["Fn::If"] != nil:
			branch, err := d.ifBranch(v["Fn::If"])
			if err != nil {
				return "", err
			}
			return d.Resolve(branch, names, overrides)
		}
	}
	return "", fmt.Errorf("%w: %v (%T)", ErrUnsupported, v, v)
}

// ifBranch is the branch of Fn::If's arguments that its condition picks.
func (d *Deployment) ifBranch(arg any) (any, error) {
	parts, _ := arg.([]any)
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: Fn::If of %v", ErrUnsupported, arg)
	}
	cond, _ := parts[0].(string)
	holds, known := d.conditions[cond]
	if !known {
		return nil, fmt.Errorf("deployment: Fn::If names unknown condition %s", cond)
	}
	if holds {
		return parts[1], nil
	}
	return parts[2], nil
}

// ref resolves the name of a Ref, or "LogicalId.Attribute" of a GetAtt.
func (d *Deployment) ref(ref string, names Names, overrides map[string]string) (string, error) {
	if v, ok := overrides[ref]; ok {
		return v, nil
	}
	if v, ok := d.Parameters[ref]; ok {
		return v, nil
	}
	if local, ok := names(ref); ok {
		return local, nil
	}
	return "", fmt.Errorf("deployment: no local value for %s", ref)
}
