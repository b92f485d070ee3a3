"""The export: a CloudFormation template that passes cfn-lint, the functions' code, and a
README that says how to deploy it and what it costs."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from architecture.code import function_code, package_files
from architecture.export import FOLDER, export_package
from architecture.graph import build_graph
from architecture.live import lab_names
from labs.model import load_labs
from pricing.measured import measure
from pricing.model import Usage, cents, price

LABS = load_labs().labs
CFN_LINT = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "cfn-lint"


def files_of(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {name.removeprefix(f"{FOLDER}/"): archive.read(name) for name in archive.namelist()}


def templates_of(zip_bytes: bytes) -> dict[str, str]:
    return {
        path: content.decode()
        for path, content in files_of(zip_bytes).items()
        if path.endswith(".yaml")
    }


@pytest.mark.parametrize("lab", LABS, ids=[lab.slug for lab in LABS])
def test_every_template_of_every_labs_export_passes_cfn_lint(lab, lab_export):
    package = lab_export(lab.slug)
    for path, text in templates_of(package.zip_bytes).items():
        matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
        assert matches == [], f"{lab.slug} {path}:\n" + "\n".join(map(str, matches))


def test_cfn_lints_command_agrees_on_lab_2(lab_export, tmp_path):
    if not CFN_LINT.exists():
        pytest.skip("the cfn-lint command is not installed in .venv")
    template = tmp_path / "template.yaml"
    template.write_text(lab_export("s3-trigger").template_yaml)
    done = subprocess.run([str(CFN_LINT), str(template)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_lab_2s_export_holds_the_template_the_code_and_a_readme(lab_export, lab_end_state):
    learner = lab_end_state("s3-trigger")
    package = lab_export("s3-trigger")
    files = files_of(package.zip_bytes)
    assert {"README.md", "template.yaml", "map.dot", "functions/photo-indexer.zip"} <= set(files)
    deployed = package_files(function_code(learner.session, "photo-indexer"))
    assert files["functions/photo-indexer/lambda_function.py"] == deployed["lambda_function.py"]

    body = yaml.safe_load(files["template.yaml"])
    resources = body["Resources"]
    kinds = sorted(r["Type"] for r in resources.values())
    assert kinds == [
        "AWS::DynamoDB::Table",
        "AWS::IAM::Role",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::S3::Bucket",
    ]
    (function,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["Handler"] == "index.lambda_handler"
    assert function["Properties"]["Code"]["ZipFile"] == deployed["lambda_function.py"].decode()
    (bucket,) = [r for r in resources.values() if r["Type"] == "AWS::S3::Bucket"]
    assert bucket["Properties"]["BucketName"]["Fn::Sub"].endswith("-${AWS::AccountId}")
    (rule,) = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert rule["Event"] == "s3:ObjectCreated:*"
    assert rule["Filter"] == {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".jpg"}]}}
    (permission,) = [k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Permission"]
    assert bucket["DependsOn"] == [permission], "S3 checks the permission when it saves"
    assert learner.account_id not in files["template.yaml"].decode(), "no sandbox account"


def test_the_readme_says_how_to_deploy_and_what_it_costs(lab_export, lab_end_state):
    readme = lab_export("s3-trigger").readme
    assert "aws cloudformation deploy --template-file template.yaml" in readme
    assert "--capabilities CAPABILITY_NAMED_IAM" in readme
    assert "sam deploy --template-file template.yaml" in readme
    assert "cannot run the SAM transform" in readme, "why plain CloudFormation"
    measured = measure(lab_end_state("s3-trigger").session, "photo-indexer")
    assert measured is not None
    bill = price(Usage(1_000_000, measured.average_billed_ms, 128, "x86_64", free_tier=False))
    row = next(line for line in readme.splitlines() if line.startswith("| photo-indexer |"))
    assert f"{measured.average_billed_ms} ms (average of {measured.invocations})" in row
    assert row.endswith(f"| ${cents(bill.total_usd):,.2f} |")
    assert "1,000,000 requests a month per function" in readme
    assert "free tier" in readme and "Not included: S3, DynamoDB" in readme


def test_versions_of_older_code_deploy_in_stages(lab_export):
    package = lab_export("versions-and-canary")
    templates = {p: yaml.safe_load(t) for p, t in templates_of(package.zip_bytes).items()}
    assert list(templates) == ["template.yaml", "stages/1.yaml", "stages/2.yaml"]

    def of_type(path: str, kind: str) -> list[dict]:
        return [r for r in templates[path]["Resources"].values() if r["Type"] == kind]

    assert [len(of_type(p, "AWS::Lambda::Version")) for p in templates] == [2, 1, 2]
    assert of_type("stages/1.yaml", "AWS::Lambda::Alias") == []
    keys = [
        of_type(p, "AWS::Lambda::Function")[0]["Properties"]["Code"]["S3Key"] for p in templates
    ]
    assert keys == [
        "functions/price-quote.zip",
        "functions/price-quote/v1.zip",
        "functions/price-quote/v2.zip",
    ]
    (alias,) = of_type("template.yaml", "AWS::Lambda::Alias")
    (weight,) = alias["Properties"]["RoutingConfig"]["AdditionalVersionWeights"]
    assert weight["FunctionWeight"] == 0.1
    assert "for template in stages/1.yaml stages/2.yaml template.yaml" in package.readme
    files = files_of(package.zip_bytes)
    assert {"functions/price-quote/v1.zip", "functions/price-quote/v2.zip"} <= set(files)


def test_a_secret_parameter_is_named_in_the_readme_and_never_exported(lab_export):
    package = lab_export("configuration")
    (name,) = re.findall(r"--name (/lab7/\S+) --type SecureString", package.readme)
    assert name.endswith("/api-key")
    for content in files_of(package.zip_bytes).values():
        assert b"sk-lab7-8f2a41c9" not in content


def test_one_labs_export_leaves_the_rest_of_the_sandbox_out(lab_end_state):
    learner = lab_end_state("s3-trigger")
    learner.function("someone-else-entirely")
    lab = load_labs().lab("s3-trigger")
    assert lab is not None
    graph = build_graph(learner.session, lab_names(learner.session, learner.learner_id, lab))
    package = export_package(learner.session, graph, monthly_requests=2_000_000)
    assert "someone-else-entirely" not in package.template_yaml
    assert "2,000,000 requests a month" in package.readme
    everything = export_package(learner.session, build_graph(learner.session))
    assert "someone-else-entirely" in everything.template_yaml


def test_provisioned_concurrency_is_exported_and_priced_for_a_month(lab_export):
    package = lab_export("cold-and-warm")
    (alias,) = [
        r
        for r in yaml.safe_load(package.template_yaml)["Resources"].values()
        if r["Type"] == "AWS::Lambda::Alias"
    ]
    assert alias["Properties"]["ProvisionedConcurrencyConfig"] == {
        "ProvisionedConcurrentExecutions": 1
    }
    assert "enabled all month (730 hours)" in package.readme
    row = next(line for line in package.readme.splitlines() if line.startswith("| warm-counter"))
    provisioned = Decimal(row.split("|")[7].strip().lstrip("$").replace(",", ""))
    assert provisioned > Decimal("1")
