// Package deploy checks the deployment files under go test, without an AWS
// account: template.yaml as the SAM translator expands it (translate.py
// evaluates parameters, rules and conditions as CloudFormation would),
// samconfig.toml's environments, the bootstraps `sam build` makes, the
// runbook's entry for every alarm, the deploy workflows with pipeline.yaml's
// roles, and every role under an IAM policy simulator
// (@cloud-copilot/iam-simulate, run by iamsim/simulate.mjs). cfn-lint runs
// through `make template-check`.
package deploy
