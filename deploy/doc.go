// Package deploy holds the checks of the deployment files, run by go test
// without an AWS account:
//
//   - template_test.go expands template.yaml with the SAM translator (through
//     translate.py, which validates parameters and rules and evaluates
//     conditions as CloudFormation would) and asserts on the CloudFormation
//     that results: runtimes, routes and their authorization, IAM scoped to the
//     table and the secrets, alarms, prod-only settings;
//   - samconfig_test.go checks every environment of samconfig.toml and
//     validates its parameter overrides against the template;
//   - build_test.go runs the Makefile targets `sam build` calls and checks each
//     bootstrap is a static linux/arm64 executable built with the right flags;
//   - runbook_test.go checks docs/runbook.md has a complete entry for every
//     alarm of template.yaml;
//   - pipeline_test.go ties samconfig.toml's environments, the deploy
//     workflows and pipeline.yaml's roles together, and checks the workflows'
//     triggers, CI gate and pinning;
//   - simulate_test.go evaluates pipeline.yaml's roles and boundaries, and
//     template.yaml's function roles, with an IAM policy simulator
//     (@cloud-copilot/iam-simulate, run by iamsim/simulate.mjs;
//     iamsim_test.go drives it, cfnresolve_test.go resolves the templates'
//     intrinsics for one account).
//
// cfn-lint runs separately, through `make template-check`.
package deploy
