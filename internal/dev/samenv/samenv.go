// Package samenv writes the env-vars files that `sam local invoke` and `sam
// local start-api` read with --env-vars: one JSON object whose "Parameters"
// member applies to every function and whose members named after a
// function's logical id apply to that function (SAM CLI's own format).
//
// SAM CLI passes a function only the variables template.yaml declares for
// it, so every name here is one the template declares; that is why the
// template declares AWS_ENDPOINT_URL and PERISKOPE_PLAIN_HTTP_HOST, empty.
package samenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

// Global is the member SAM CLI applies to every function.
const Global = "Parameters"

// File is an env-vars file: variables by function logical id, and by Global.
type File map[string]map[string]string

// Marshal returns the file as SAM CLI reads it: indented JSON with sorted
// keys and a final newline, so that a committed file diffs cleanly.
func (f File) Marshal() []byte {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil { // a map of strings always marshals
		panic(err)
	}
	return append(b, '\n')
}

// Local is the env-vars file for the local system (make run) seen from a
// container: stack.FunctionEnv with moto_server and the Periskope sandbox at
// host. The x-phone is left to the PeriskopePhone parameter (samconfig.toml),
// as in a deployment.
func Local(host string, motoPort, sandboxPort int) (File, error) {
	endpoint := "http://" + net.JoinHostPort(host, strconv.Itoa(motoPort))
	baseURL := "http://" + net.JoinHostPort(host, strconv.Itoa(sandboxPort)) + "/v1"
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return nil, err
	}
	fns, err := stack.Specs(d)
	if err != nil {
		return nil, err
	}
	f := File{Global: {awsenv.EnvEndpoint: endpoint}}
	for _, fn := range fns {
		env, err := stack.FunctionEnv(d, fn.Name, stack.Backends{AWSEndpoint: endpoint, PeriskopeBaseURL: baseURL})
		if err != nil {
			return nil, err
		}
		delete(env, awsenv.EnvEndpoint)    // in Global
		delete(env, createticket.EnvPhone) // PeriskopePhone
		if _, ok := env[createticket.EnvPlainHTTPHost]; ok {
			env[createticket.EnvPlainHTTPHost] = host
		}
		f[fn.Name] = env
	}
	return f, nil
}

// The names of template.yaml's Outputs and Parameters that FromStack reads.
const (
	OutputTable            = "TicketsTableName"
	OutputAPIKeySecret     = "ApiKeySecretArn"
	OutputSigningKeySecret = "SigningKeySecretArn"
	ParameterBaseURL       = "PeriskopeBaseUrl"
	ParameterPhone         = "PeriskopePhone"
)

// ErrStack is wrapped by every error about the describe-stacks document.
var ErrStack = errors.New("stack description")

// FromStack is the env-vars file for a deployed stack, from the JSON that
// `aws cloudformation describe-stacks --stack-name NAME` prints: the real
// AWS endpoints (AWS_ENDPOINT_URL ""), the stack's table and secrets, and
// the Periskope URL and phone it was deployed with.
func FromStack(doc []byte) (File, error) {
	var d struct {
		Stacks []struct {
			StackName  string
			Outputs    []struct{ OutputKey, OutputValue string }
			Parameters []struct{ ParameterKey, ParameterValue string }
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("%w: not the JSON of describe-stacks: %v", ErrStack, err)
	}
	if len(d.Stacks) != 1 {
		return nil, fmt.Errorf("%w: %d stacks, want exactly one (pass --stack-name)", ErrStack, len(d.Stacks))
	}
	s := d.Stacks[0]
	// Outputs and parameters apart: some share a name (ApiKeySecretArn is
	// the given ARN as a parameter, the one in use as an output).
	outputs, params := map[string]string{}, map[string]string{}
	for _, o := range s.Outputs {
		outputs[o.OutputKey] = o.OutputValue
	}
	for _, p := range s.Parameters {
		params[p.ParameterKey] = p.ParameterValue
	}
	// A value that is absent and one that is empty are named apart: an
	// empty PeriskopeBaseUrl is production Periskope to create-ticket, an
	// empty PeriskopePhone a function that refuses every request.
	var missing, empty []string
	get := func(from map[string]string, key string) string {
		v, ok := from[key]
		switch {
		case !ok:
			missing = append(missing, key)
		case strings.TrimSpace(v) == "":
			empty = append(empty, key)
		}
		return v
	}
	table := get(outputs, OutputTable)
	f := File{
		Global: {awsenv.EnvEndpoint: ""},
		stack.CreateTicketFunction: {
			createticket.EnvTicketsTable:  table,
			createticket.EnvAPIKeySecret:  get(outputs, OutputAPIKeySecret),
			createticket.EnvBaseURL:       get(params, ParameterBaseURL),
			createticket.EnvPhone:         get(params, ParameterPhone),
			createticket.EnvPlainHTTPHost: "",
		},
		stack.WebhookFunction: {
			webhook.EnvTicketsTable:     table,
			webhook.EnvSigningKeySecret: get(outputs, OutputSigningKeySecret),
		},
	}
	switch {
	case len(missing) > 0:
		return nil, fmt.Errorf("%w: stack %s has no %s (deployed from an older template.yaml?)", ErrStack, s.StackName, strings.Join(missing, ", "))
	case slices.Contains(empty, ParameterBaseURL):
		return nil, fmt.Errorf("%w: stack %s has %s empty (an empty %s would send requests to production Periskope)", ErrStack, s.StackName, strings.Join(empty, ", "), ParameterBaseURL)
	case len(empty) > 0:
		return nil, fmt.Errorf("%w: stack %s has %s empty", ErrStack, s.StackName, strings.Join(empty, ", "))
	}
	return f, nil
}
