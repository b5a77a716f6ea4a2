#!/usr/bin/env python3
"""Expand template.yaml the way CloudFormation would, without AWS, and print JSON.

The Go tests in this directory (template_test.go) run this script and assert on
its output; the script itself asserts nothing about the product. It only does
what CloudFormation does before creating resources:

  template  TEMPLATE [--region R] [--param Key=Value ...]
      1. validates the parameter values (AllowedValues, AllowedPattern, MinValue,
         Number) and the template's Rules, exactly where CloudFormation would
         refuse the stack (exit status 2, message on stderr);
      2. evaluates Conditions;
      3. applies the one AWS::LanguageExtensions feature the template uses:
         Fn::If in DeletionPolicy / UpdateReplacePolicy;
      4. runs the SAM transform (aws-sam-translator), with local CodeUri values
         replaced by an s3:// placeholder as `sam package` would;
      and prints {"raw", "parameters", "conditions", "translated"}.

  samconfig FILE
      prints {"config": <the TOML document>, "parameter_overrides": {env: {Key: Value}}}
      with parameter_overrides split the way `sam deploy` splits them.

  parse FILE
      prints FILE, a plain CloudFormation template, as JSON (short-form tags such
      as !Sub become their Fn:: objects), e.g. deploy/pipeline.yaml.

Needs Python >= 3.11 (tomllib) with aws-sam-translator and PyYAML
(pip install cfn-lint aws-sam-translator).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shlex
import sys
from typing import Any

PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "periskope-bridge-test",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}


class Refused(Exception):
    """CloudFormation would refuse the stack (bad parameter value, failed rule)."""


def parse_template(path: str) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse  # CloudFormation short tags (!Ref, !If, ...)

    with open(path, encoding="utf-8") as f:
        return yaml_parse(f.read())


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """Defaults overlaid with overrides, validated like CloudFormation does."""
    declared = template.get("Parameters", {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise Refused(f"parameters not declared by the template: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            value = str(spec["Default"])
        else:
            raise Refused(f"parameter {name} has no default and no value")
        check_parameter(name, spec, value)
        values[name] = value
    return values


def check_parameter(name: str, spec: dict[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise Refused(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        raise Refused(f"parameter {name}={value!r} does not match {pattern}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError as e:
            raise Refused(f"parameter {name}={value!r} is not a number") from e
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise Refused(f"parameter {name}={value!r} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise Refused(f"parameter {name}={value!r} is above MaxValue {spec['MaxValue']}")


def evaluate(expr: Any, params: dict[str, Any], conditions: dict[str, Any], template: dict[str, Any]) -> Any:
    """Evaluates the condition functions (and Ref to parameters) CloudFormation allows in Conditions and Rules."""
    if isinstance(expr, (str, int, float, bool)):
        return expr
    if not isinstance(expr, dict) or len(expr) != 1:
        raise ValueError(f"cannot evaluate {expr!r}")
    (fn, arg), = expr.items()
    if fn == "Ref":
        if arg in params:
            return params[arg]
        if arg in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[arg]
        raise ValueError(f"Ref to {arg} cannot be evaluated in a condition")
    if fn == "Fn::Equals":
        a, b = (evaluate(x, params, conditions, template) for x in arg)
        return str(a) == str(b)
    if fn == "Fn::Not":
        return not evaluate(arg[0], params, conditions, template)
    if fn == "Fn::And":
        return all(evaluate(x, params, conditions, template) for x in arg)
    if fn == "Fn::Or":
        return any(evaluate(x, params, conditions, template) for x in arg)
    if fn == "Condition":
        return condition(arg, params, conditions, template)
    raise ValueError(f"unsupported function {fn} in a condition")


def condition(name: str, params: dict[str, Any], conditions: dict[str, Any], template: dict[str, Any]) -> bool:
    if name not in conditions:
        conditions[name] = bool(evaluate(template["Conditions"][name], params, conditions, template))
    return conditions[name]


def check_rules(template: dict[str, Any], params: dict[str, Any], conditions: dict[str, Any]) -> None:
    for rule_name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params, conditions, template):
            continue
        for assertion in rule.get("Assertions", []):
            if not evaluate(assertion["Assert"], params, conditions, template):
                raise Refused(f"rule {rule_name}: {assertion.get('AssertDescription', 'assertion failed')}")


def apply_language_extensions(template: dict[str, Any], conditions: dict[str, bool]) -> None:
    """Resolves Fn::If in DeletionPolicy / UpdateReplacePolicy, then drops the transform."""
    for resource in template.get("Resources", {}).values():
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            value = resource.get(attribute)
            if isinstance(value, dict):
                (fn, arg), = value.items()
                if fn != "Fn::If":
                    raise ValueError(f"unsupported {attribute} expression {value!r}")
                name, if_true, if_false = arg
                resource[attribute] = if_true if conditions[name] else if_false
    transforms = template.get("Transform")
    if isinstance(transforms, list):
        template["Transform"] = [t for t in transforms if t != "AWS::LanguageExtensions"]
        if len(template["Transform"]) == 1:
            template["Transform"] = template["Transform"][0]


def replace_local_code(template: dict[str, Any]) -> None:
    """`sam package` uploads local code and rewrites CodeUri to s3://; do the same with a placeholder."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.setdefault("Properties", {})
        code = props.get("CodeUri")
        if isinstance(code, str) and not code.startswith("s3://"):
            props["CodeUri"] = f"s3://placeholder-artifacts/{logical_id}.zip"


def translate(template: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.parser import parser
    from samtranslator.translator.translator import Translator

    translator = Translator(managed_policy_map={}, sam_parser=parser.Parser())
    return translator.translate(sam_template=template, parameter_values=dict(params))


def cmd_template(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["AWS_DEFAULT_REGION"] = args.region
    os.environ["AWS_REGION"] = args.region
    PSEUDO_PARAMETERS["AWS::Region"] = args.region

    overrides: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--param wants Key=Value, got {item!r}")
        overrides[key] = value

    raw = parse_template(args.template)
    params = parameter_values(raw, overrides)
    conditions: dict[str, bool] = {}
    for name in raw.get("Conditions", {}):
        condition(name, params, conditions, raw)
    check_rules(raw, params, conditions)

    work = copy.deepcopy(raw)
    apply_language_extensions(work, conditions)
    replace_local_code(work)
    translated = translate(work, params)
    return {"raw": raw, "parameters": params, "conditions": conditions, "translated": translated}


def cmd_samconfig(args: argparse.Namespace) -> dict[str, Any]:
    import tomllib

    with open(args.file, "rb") as f:
        config = tomllib.load(f)
    overrides: dict[str, dict[str, str]] = {}
    for env, commands in config.items():
        if not isinstance(commands, dict):
            continue
        deploy = commands.get("deploy", {}).get("parameters", {})
        value = deploy.get("parameter_overrides")
        if value is None:
            continue
        items = value if isinstance(value, list) else shlex.split(value)
        parsed: dict[str, str] = {}
        for item in items:
            key, sep, val = item.partition("=")
            if not sep:
                raise Refused(f"[{env}] parameter_overrides item {item!r} is not Key=Value")
            parsed[key] = val
        overrides[env] = parsed
    return {"config": config, "parameter_overrides": overrides}


def cmd_parse(args: argparse.Namespace) -> dict[str, Any]:
    return parse_template(args.file)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("template", help="validate parameters and expand the SAM template")
    t.add_argument("template")
    t.add_argument("--region", default="eu-west-1")
    t.add_argument("--param", action="append", default=[], metavar="Key=Value")
    t.set_defaults(run=cmd_template)
    s = sub.add_parser("samconfig", help="print samconfig.toml as JSON")
    s.add_argument("file")
    s.set_defaults(run=cmd_samconfig)
    p = sub.add_parser("parse", help="print a CloudFormation template as JSON")
    p.add_argument("file")
    p.set_defaults(run=cmd_parse)
    args = ap.parse_args()

    try:
        out = args.run(args)
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the SAM translator reports template errors as exceptions
        causes = getattr(e, "causes", None)
        detail = "; ".join(getattr(c, "message", str(c)) for c in causes) if causes else str(e)
        print(f"error: {type(e).__name__}: {detail}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
