package stack

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// lambdaSets are the variables Lambda itself sets (reserved ones and
// LoggingConfig's): a function may read them undeclared.
var lambdaSets = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

// CheckEnvironment runs wire, a function's init reading its environment
// through getenv, with what template.yaml and Lambda set for the function
// name; it fails if init fails, reads a variable neither sets, or leaves
// one of the template's unread.
func CheckEnvironment(name string, wire func(getenv func(string) string) error) error {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		return err
	}
	fn, err := d.Function(name)
	if err != nil {
		return err
	}
	env, err := FunctionEnv(d, name, Backends{AWSEndpoint: "http://127.0.0.1:9", PeriskopeBaseURL: "https://periskope.invalid/v1", PeriskopePhone: local.Phone})
	if err != nil {
		return err
	}
	lambdaEnv := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_LAMBDA_FUNCTION_NAME": fn.LogicalID,
	}
	var mu sync.Mutex
	read := map[string]bool{}
	getenv := func(v string) string {
		mu.Lock()
		defer mu.Unlock()
		read[v] = true
		if _, declared := fn.Environment[v]; declared {
			return env[v]
		}
		return lambdaEnv[v]
	}
	if err := wire(getenv); err != nil {
		return fmt.Errorf("%s does not start with the environment template.yaml gives it: %w", name, err)
	}
	var problems []string
	for v := range read {
		if _, declared := fn.Environment[v]; !declared && !slices.Contains(lambdaSets, v) {
			problems = append(problems, fmt.Sprintf("%s reads %s, which template.yaml does not set", name, v))
		}
	}
	for v := range fn.Environment {
		if !read[v] {
			problems = append(problems, fmt.Sprintf("template.yaml sets %s for %s, which never reads it", v, name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("environment contract broken:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
