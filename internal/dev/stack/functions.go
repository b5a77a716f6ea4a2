package stack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
)

// Logical ids of the product's functions in template.yaml: the names
// `make invoke FN=…` and `sam local invoke` take.
const (
	CreateTicketFunction = "CreateTicketFunction"
	WebhookFunction      = "WebhookFunction"
)

// Template parameters the local system sets; the others keep their defaults.
const (
	paramPeriskopeBaseURL = "PeriskopeBaseUrl"
	paramPeriskopePhone   = "PeriskopePhone"
)

// FunctionSpec is one function of the product as template.yaml declares it.
type FunctionSpec struct {
	Name     string        // logical id
	Package  string        // Go package of its main, relative to the module root
	Method   string        // HTTP API route: method
	Path     string        // and path
	Timeout  time.Duration // function Timeout
	Memory   int           // MemorySize, MB
	Deadline time.Duration // integration TimeoutInMillis of its route
}

// Functions returns the product's functions as template.yaml declares them,
// sorted by logical id.
func Functions() ([]FunctionSpec, error) {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return nil, err
	}
	fns, err := d.Functions()
	if err != nil {
		return nil, err
	}
	specs := make([]FunctionSpec, 0, len(fns))
	for _, fn := range fns {
		spec, err := specOf(fn)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// FunctionNamed returns the spec of a function by logical id.
func FunctionNamed(name string) (FunctionSpec, error) {
	_, fn, err := templateFunction(name)
	if err != nil {
		return FunctionSpec{}, err
	}
	return specOf(fn)
}

// templateFunction reads the function called name from template.yaml.
func templateFunction(name string) (*deployment.Deployment, deployment.Function, error) {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return nil, deployment.Function{}, err
	}
	fn, err := d.Function(name)
	return d, fn, err
}

// specOf maps a template function onto the local system, which runs each
// function behind exactly one route.
func specOf(fn deployment.Function) (FunctionSpec, error) {
	if len(fn.Routes) != 1 {
		return FunctionSpec{}, fmt.Errorf("stack: %s has %d HTTP API routes in template.yaml; the local gateway runs one per function", fn.LogicalID, len(fn.Routes))
	}
	r := fn.Routes[0]
	return FunctionSpec{
		Name: fn.LogicalID, Package: functionPackage(fn.LogicalID),
		Method: r.Method, Path: r.Path, Deadline: r.Timeout,
		Timeout: fn.Timeout, Memory: fn.MemoryMB,
	}, nil
}

// functionPackage is the Go main package of a function, by the layout's
// convention: CreateTicketFunction is ./functions/create-ticket.
func functionPackage(logicalID string) string {
	words := wordBoundary.ReplaceAllString(strings.TrimSuffix(logicalID, "Function"), "$1-$2")
	return "./functions/" + strings.ToLower(words)
}

var wordBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// Build compiles the Runtime Interface Emulator and every function of the
// template for this machine into binDir (lambdabuild.HostBuild).
func Build(ctx context.Context, root, binDir string) error {
	specs, err := Functions()
	if err != nil {
		return err
	}
	pkgs := map[string]string{}
	for _, spec := range specs {
		pkgs[spec.Name] = spec.Package
	}
	return lambdabuild.HostBuild(ctx, root, binDir, pkgs)
}

// FunctionEnv is the environment template.yaml gives the function called
// name, resolved for the local system: the local table and secret names,
// periskopeBaseURL and phone for their parameters where not empty, and
// AWS_ENDPOINT_URL.
func FunctionEnv(name, awsEndpoint, periskopeBaseURL, phone string) (map[string]string, error) {
	d, fn, err := templateFunction(name)
	if err != nil {
		return nil, err
	}
	overrides := map[string]string{}
	if periskopeBaseURL != "" {
		overrides[paramPeriskopeBaseURL] = periskopeBaseURL
	}
	if phone != "" {
		overrides[paramPeriskopePhone] = phone
	}
	env, err := d.Environment(fn, motoserver.LocalName, overrides)
	if err != nil {
		return nil, err
	}
	env["AWS_ENDPOINT_URL"] = awsEndpoint
	return env, nil
}
