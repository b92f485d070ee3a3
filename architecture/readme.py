"""The README of an export: what is in the zip, how to deploy it to AWS, what it costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from architecture.costs import HOURS_IN_MONTH, UNMEASURED_MS, FunctionCost, free_tier_saving
from architecture.model import Graph
from architecture.template import Template
from pricing.model import cents


def usd(amount: Decimal) -> str:
    return f"${cents(amount):,.2f}"


def readme(
    graph: Graph,
    template: Template,
    costs: Sequence[FunctionCost],
    scope: str,
    stack_name: str,
    stages: int = 0,
) -> str:
    resources = template.body["Resources"]
    kinds: dict[str, int] = {}
    for resource in resources.values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    capabilities = "CAPABILITY_NAMED_IAM"
    overrides = _overrides(template)
    lines = [
        f"# {scope}: exported from Lambda Lab",
        "",
        f"Exported on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from sandbox account "
        f"{graph.account_id}. Everything here was read from the sandbox through the AWS API.",
        "",
        "## What is inside",
        "",
        "| file | what it is |",
        "| --- | --- |",
        "| `template.yaml` | an AWS CloudFormation template of the resources below |",
        "| `functions/<name>/` | each function's code, as deployed (also zipped: "
        "`functions/<name>.zip`) |",
        "| `map.dot` | the map of these resources (Graphviz: `dot -Tsvg map.dot -o map.svg`) |",
        "",
        "Resources: " + ", ".join(f"{count} x `{kind}`" for kind, count in sorted(kinds.items())),
        "",
        "The template uses plain CloudFormation resources rather than the SAM transform "
        "(`AWS::Serverless::Function`): the Lambda Lab sandbox deploys templates with moto's "
        "CloudFormation, which cannot run the SAM transform, and plain resources deploy "
        "unchanged on AWS with either the AWS CLI or the SAM CLI. Small single-file Python "
        "functions are inlined (`Code.ZipFile`, which AWS saves as `index.py`, hence the "
        "`index.` handlers).",
        "",
        "## Before you deploy",
        "",
        "- An AWS account, the AWS CLI v2 configured for it (`aws configure`), and the "
        "region you want (`--region`, or `AWS_REGION`).",
        "- The template creates IAM roles with their own names: deploying needs "
        f"`{capabilities}`, and the names must be free in the account.",
    ]
    if template.needs_code_bucket:
        lines += [
            "- Some functions' code goes through S3 (too large to inline, or versions published "
            "from older code): put the zips in a bucket of yours first. CloudFormation passes "
            "it to the stack as `CodeBucket`:",
            "",
            "  ```bash",
            "  CODE_BUCKET=lambda-lab-code-$(aws sts get-caller-identity --query Account "
            "--output text)",
            "  aws s3 mb s3://$CODE_BUCKET",
            '  aws s3 cp functions/ s3://$CODE_BUCKET/functions/ --recursive --exclude "*" '
            '--include "*.zip"',
            "  ```",
        ]
    for name in template.secure_parameters:
        lines.append(
            f"- A function reads the SSM parameter `{name}`; the export never carries its value. "
            f"Create it: `aws ssm put-parameter --name {name} --type SecureString --value ...`"
        )
    files = " ".join([*(f"stages/{n}.yaml" for n in range(1, stages + 1)), "template.yaml"])
    flags = f"--stack-name {stack_name} --capabilities {capabilities}"
    flags += f" --parameter-overrides {overrides}" if overrides else ""
    lines += ["", "## Deploy with the AWS CLI", ""]
    if stages:
        lines += [
            f"This export deploys in {stages + 1} steps to the same stack: each stage publishes "
            "one more version from the code it had in the sandbox (CloudFormation publishes a "
            "version from the function's current code, and refuses a version of unchanged "
            "code), then `template.yaml` adds the aliases and brings the functions up to date.",
            "",
        ]
    deploy = "aws cloudformation deploy --template-file"
    lines += [
        "```bash",
        *(
            [
                f"for template in {files}; do",
                f"  {deploy} $template {flags} \\",
                "    --no-fail-on-empty-changeset || break",
                "done",
            ]
            if stages
            else [f"{deploy} template.yaml \\", f"  {flags}"]
        ),
        f'aws cloudformation describe-stacks --stack-name {stack_name} --query "Stacks[0].Outputs"',
        "```",
        "",
        "## Or with the SAM CLI",
        "",
        "```bash",
        *(
            [
                f"for template in {files}; do",
                f"  sam deploy --template-file $template {flags} --no-fail-on-empty-changeset"
                " || break",
                "done",
            ]
            if stages
            else [f"sam deploy --template-file template.yaml {flags}"]
        ),
        "```",
        "",
        "`sam deploy --guided` asks for the same values and saves them in `samconfig.toml`.",
        "",
        "## What it will cost",
        "",
    ]
    lines += _cost_lines(costs)
    if template.notes:
        lines += ["", "## What differs from your sandbox", ""]
        lines += [f"- {note}" for note in template.notes]
    lines += [
        "",
        "## Clean up",
        "",
        "```bash",
        "aws s3 rm s3://<each bucket of the stack> --recursive   # a bucket must be empty to go",
        f"aws cloudformation delete-stack --stack-name {stack_name}",
        "```",
        "",
    ]
    return "\n".join(lines)


def _overrides(template: Template) -> str:
    values = []
    for name, spec in template.body.get("Parameters", {}).items():
        if name == "CodeBucket":
            values.append("CodeBucket=$CODE_BUCKET")
        elif "Subnet" in spec["Type"]:
            values.append(f"{name}=subnet-1111,subnet-2222")
        elif "SecurityGroup" in spec["Type"]:
            values.append(f"{name}=sg-1111")
        else:
            values.append(f"{name}=<{spec['Type']}>")
    return " ".join(values)


def _cost_lines(costs: Sequence[FunctionCost]) -> list[str]:
    if not costs:
        return ["No functions, so no Lambda charges."]
    requests = costs[0].requests
    lines = [
        f"Lambda's charges for **{requests:,} requests a month per function**, at each "
        "function's average billed duration measured in the sandbox (its REPORT lines), its "
        "memory and its architecture, priced by the course's calculator (`pricing.model`, "
        "prices in `course/facts.yaml`):",
        "",
        "| function | memory | architecture | billed duration | requests | compute | "
        "provisioned | month |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    total = Decimal(0)
    for cost in costs:
        measured = (
            f"{cost.average_billed_ms} ms (average of {cost.measured_invocations})"
            if cost.measured_invocations
            else f"{UNMEASURED_MS} ms (assumed: it never ran)"
        )
        bill = cost.bill
        total += bill.total_usd
        lines.append(
            f"| {cost.name} | {cost.memory_mb} MB | {cost.arch} | {measured} | "
            f"{usd(bill.request_exact)} | {usd(bill.compute_exact)} | "
            f"{usd(bill.provisioned_exact)} | {usd(bill.total_usd)} |"
        )
    saving = free_tier_saving(list(costs))
    lines += [
        "",
        f"**Total: {usd(total)} a month** without the free tier. The free tier (per account: "
        "1 million requests and 400,000 GB-seconds a month) takes off at least "
        f"{usd(saving)}, so a new account pays about {usd(max(total - saving, Decimal(0)))}.",
        "",
        "Not included: S3, DynamoDB, SQS, SNS, EventBridge and CloudWatch Logs charges at "
        "this volume (each has its own price page), and data transfer.",
    ]
    if any(c.provisioned for c in costs):
        lines.append(
            f"Provisioned concurrency is priced as enabled all month ({HOURS_IN_MONTH} hours); "
            "switch it off when you are done."
        )
    return lines
