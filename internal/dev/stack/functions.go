package stack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// Logical ids of the product's functions in template.yaml: the names
// `make invoke FN=…` and `sam local invoke` take.
const (
	CreateTicketFunction = "CreateTicketFunction"
	WebhookFunction      = "WebhookFunction"
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
	// Authorizer is the route's security scheme ("AWS_IAM"), "" if public.
	Authorizer string
}

// Specs returns d's functions, sorted by logical id.
func Specs(d *deployment.Deployment) ([]FunctionSpec, error) {
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

// Spec returns the spec of d's function called name.
func Spec(d *deployment.Deployment, name string) (FunctionSpec, error) {
	fn, err := d.Function(name)
	if err != nil {
		return FunctionSpec{}, err
	}
	return specOf(fn)
}

// specOf fails unless fn has exactly one route, all the gateway runs.
func specOf(fn deployment.Function) (FunctionSpec, error) {
	if len(fn.Routes) != 1 {
		return FunctionSpec{}, fmt.Errorf("stack: %s has %d HTTP API routes in template.yaml; the local gateway runs one per function", fn.LogicalID, len(fn.Routes))
	}
	r := fn.Routes[0]
	return FunctionSpec{
		Name: fn.LogicalID, Package: functionPackage(fn.LogicalID),
		Method: r.Method, Path: r.Path, Deadline: r.Timeout, Authorizer: r.Authorizer,
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

// Build compiles the Runtime Interface Emulator and every function of
// root's template for this machine into binDir.
func Build(ctx context.Context, root, binDir string) error {
	d, err := deployment.Load(root)
	if err != nil {
		return err
	}
	specs, err := Specs(d)
	if err != nil {
		return err
	}
	return build(ctx, root, binDir, specs)
}

// build compiles the emulator and the functions of specs into binDir, for
// a caller that has read them already.
func build(ctx context.Context, root, binDir string, specs []FunctionSpec) error {
	pkgs := map[string]string{}
	for _, spec := range specs {
		pkgs[spec.Name] = spec.Package
	}
	return lambdabuild.HostBuild(ctx, root, binDir, pkgs)
}

// Backends are where a function's dependencies are, locally.
type Backends struct {
	AWSEndpoint string // AWS_ENDPOINT_URL
	// PeriskopeBaseURL and PeriskopePhone set the template parameters
	// PeriskopeBaseUrl and PeriskopePhone; "" keeps their defaults.
	PeriskopeBaseURL, PeriskopePhone string
}

// FunctionEnv is the environment template.yaml gives the function name,
// with the local table and secret names and b.
func FunctionEnv(d *deployment.Deployment, name string, b Backends) (map[string]string, error) {
	fn, err := d.Function(name)
	if err != nil {
		return nil, err
	}
	overrides := map[string]string{}
	if b.PeriskopeBaseURL != "" {
		overrides["PeriskopeBaseUrl"] = b.PeriskopeBaseURL
	}
	if b.PeriskopePhone != "" {
		overrides["PeriskopePhone"] = b.PeriskopePhone
	}
	env, err := d.Environment(fn, motoserver.LocalName, overrides)
	if err != nil {
		return nil, err
	}
	env[awsenv.EnvEndpoint] = b.AWSEndpoint
	return env, nil
}

// FunctionConfig is spec's emulator configuration as template.yaml deploys
// it: environment against b, timeout, memory.
func FunctionConfig(d *deployment.Deployment, spec FunctionSpec, emulator, bootstrap string, b Backends) (rie.Config, error) {
	env, err := FunctionEnv(d, spec.Name, b)
	return rie.Config{Emulator: emulator, Name: spec.Name, Bootstrap: bootstrap, Env: env,
		Timeout: spec.Timeout, MemoryMB: spec.Memory}, err
}
