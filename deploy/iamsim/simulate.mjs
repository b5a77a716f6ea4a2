// Evaluates IAM requests with @cloud-copilot/iam-simulate: the evaluator of
// deploy/simulate_test.go. It reads one JSON document on stdin,
//
//   {"cases": [{"name", "principal", "action", "resource", "accountId",
//               "context": {key: value | [values]},
//               "identityPolicies": [{"name", "policy"}],
//               "permissionBoundaries": [{"name", "policy"}],  (optional)
//               "resourcePolicy": {...},                      (optional)
//               "unvalidatedBecause": "why"}]}                (optional)
//
// and prints {"results": [{"name", "decision", "ignoredContextKeys",
// "errors"}]}. decision is Allowed, ExplicitlyDenied or ImplicitlyDenied, or
// Error when the simulator refused the input (an unknown action or context
// key, a resource the action does not take, a malformed policy).
// ignoredContextKeys are context keys the simulator dropped because the
// action does not take them: a case that relies on one proves nothing.
//
// unvalidatedBecause: the simulator's data (AWS's service reference) lacks
// what this request needs, so runSimulation would refuse it or drop its
// context keys although AWS evaluates it: an OIDC provider's own aud and
// sub claims on sts:AssumeRoleWithWebIdentity (IAM documents them under
// "Available keys for OIDC federation"), API Gateway V2's HTTP API
// resources (V1 and V2 share the apigateway prefix and the data lists only
// V1's resource types for the HTTP verbs), CloudFormation's transform ARNs.
// Such a case still has every policy validated (identity, boundary,
// resource or trust policy), and is then evaluated by the same engine with
// the request as given (runUnsafeSimulation). The reason is required, so
// the Go test says for each such case why.
//
// It judges nothing: the Go test says what each decision must be.
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy
} from '@cloud-copilot/iam-policy'

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

function simulationOf(c) {
  return {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.accountId },
      contextVariables: c.context ?? {}
    },
    identityPolicies: c.identityPolicies ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy,
    permissionBoundaryPolicies: c.permissionBoundaries
  }
}

function validated(policies, validate) {
  return (policies ?? []).map((p) => createValidatedPolicy(p.policy, validate, { name: p.name }))
}

function evaluateUnvalidated(c) {
  const identity = validated(c.identityPolicies, validateIdentityPolicy)
  const boundaries = validated(c.permissionBoundaries, validateIdentityPolicy)
  let resource
  if (c.resourcePolicy) {
    const validate = c.action.toLowerCase().startsWith('sts:assumerole') ? validateTrustPolicy : validateResourcePolicy
    resource = createValidatedPolicy(c.resourcePolicy, validate, { name: 'resource policy' })
  }
  const invalid = [...identity, ...boundaries, ...(resource ? [resource] : [])].filter((p) => p.errors.length > 0)
  if (invalid.length > 0) {
    return { decision: 'Error', errors: { message: 'invalid policies', details: invalid.map((p) => ({ name: p.metadata?.name, errors: p.errors })) } }
  }
  const simulation = {
    ...simulationOf(c),
    identityPolicies: identity.map((p) => ({ name: p.metadata.name, policy: p })),
    permissionBoundaryPolicies: c.permissionBoundaries ? boundaries.map((p) => ({ name: p.metadata.name, policy: p })) : undefined,
    resourcePolicy: resource
  }
  return { decision: runUnsafeSimulation(simulation, {}), ignoredContextKeys: [] }
}

async function evaluate(c) {
  if (c.unvalidatedBecause) {
    return evaluateUnvalidated(c)
  }
  const response = await runSimulation(simulationOf(c), {})
  if (response.resultType === 'error') {
    return { decision: 'Error', errors: response.errors }
  }
  if (response.resultType !== 'single') {
    return { decision: 'Error', errors: { message: `a ${response.resultType} result: give one concrete resource` } }
  }
  return { decision: response.overallResult, ignoredContextKeys: response.result.ignoredContextKeys ?? [] }
}

const input = JSON.parse(await readStdin())
const results = []
for (const c of input.cases) {
  let result
  try {
    result = await evaluate(c)
  } catch (e) {
    result = { decision: 'Error', errors: { message: String(e?.message ?? e) } }
  }
  results.push({ name: c.name, ...result })
}
process.stdout.write(JSON.stringify({ results }) + '\n')
