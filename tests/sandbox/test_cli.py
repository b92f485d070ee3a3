"""The AWS CLI against `python -m sandbox serve`: versions, aliases and weighted routing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.conftest import TRUST_POLICY, zip_files

ROOT = Path(__file__).resolve().parents[2]
AWS = Path(sys.executable).with_name("aws")


class Served:
    def __init__(self, endpoint: str, web: str, env: dict[str, str], folder: Path) -> None:
        self.endpoint = endpoint
        self.web = web  # function URLs and API stages
        self.env = env
        self.folder = folder

    def aws(self, *args: str) -> dict:
        completed = subprocess.run(
            [str(AWS), "--endpoint-url", self.endpoint, "--output", "json", *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout) if completed.stdout.strip() else {}

    def create_function(self, name: str, zip_name: str) -> None:
        """A python3.12 function (app.handler) from a zip in the folder, with its own role."""
        role = self.aws(
            "iam",
            "create-role",
            "--role-name",
            f"{name}-role",
            "--assume-role-policy-document",
            TRUST_POLICY,
        )["Role"]["Arn"]
        self.aws(
            "lambda",
            "create-function",
            "--function-name",
            name,
            "--runtime",
            "python3.12",
            "--role",
            role,
            "--handler",
            "app.handler",
            "--zip-file",
            f"fileb://{zip_name}",
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not AWS.exists():
        pytest.fail(f"{AWS} is missing: the test extra installs awscli")
    folder = tmp_path_factory.mktemp("cli")
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--learner", "cli-user"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            banner.append(line)
            if line.startswith("Ctrl+C"):
                break
        text = "".join(banner)
        endpoint = re.search(r"export AWS_ENDPOINT_URL=(\S+)", text)
        key = re.search(r"export AWS_ACCESS_KEY_ID=(\S+)", text)
        secret = re.search(r"export AWS_SECRET_ACCESS_KEY=(\S+)", text)
        web = re.search(r"Function URLs and API Gateway stages answer at (\S+):", text)
        assert endpoint and key and secret and web, text
        assert "aws --endpoint-url" in text
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "AWS_ACCESS_KEY_ID": key.group(1),
            "AWS_SECRET_ACCESS_KEY": secret.group(1),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
        yield Served(endpoint.group(1), web.group(1), env, folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_publish_version_create_alias_and_update_alias_routing_with_the_cli(served):
    folder = served.folder
    code = "VERSION = '{}'\ndef handler(event, context):\n    return VERSION\n"
    (folder / "v1.zip").write_bytes(zip_files({"app.py": code.format("one")}))
    (folder / "v2.zip").write_bytes(zip_files({"app.py": code.format("two")}))

    served.create_function("cli-fn", "v1.zip")
    assert served.aws("lambda", "publish-version", "--function-name", "cli-fn")["Version"] == "1"
    served.aws(
        "lambda",
        "update-function-code",
        "--function-name",
        "cli-fn",
        "--zip-file",
        "fileb://v2.zip",
    )
    assert served.aws("lambda", "publish-version", "--function-name", "cli-fn")["Version"] == "2"

    alias = served.aws(
        "lambda",
        "create-alias",
        "--function-name",
        "cli-fn",
        "--name",
        "live",
        "--function-version",
        "1",
    )
    assert alias["FunctionVersion"] == "1"
    updated = served.aws(
        "lambda",
        "update-alias",
        "--function-name",
        "cli-fn",
        "--name",
        "live",
        "--routing-config",
        "AdditionalVersionWeights={2=0.5}",
    )
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    assert served.aws("lambda", "get-alias", "--function-name", "cli-fn", "--name", "live")[
        "RoutingConfig"
    ] == {"AdditionalVersionWeights": {"2": 0.5}}

    seen = set()
    for attempt in range(12):
        out = folder / f"out{attempt}.json"
        result = served.aws(
            "lambda", "invoke", "--function-name", "cli-fn", "--qualifier", "live", out.name
        )
        seen.add((result["ExecutedVersion"], json.loads(out.read_text())))
        if len(seen) == 2:
            break
    assert seen == {("1", "one"), ("2", "two")}


def test_a_function_url_made_with_the_cli_answers_at_the_address_the_banner_printed(served):
    code = (
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': 'hi from ' + event['rawPath']}\n"
    )
    (served.folder / "url.zip").write_bytes(zip_files({"app.py": code}))
    served.create_function("url-fn", "url.zip")
    served.aws(
        "lambda",
        "add-permission",
        "--function-name",
        "url-fn",
        "--statement-id",
        "public",
        "--action",
        "lambda:InvokeFunctionUrl",
        "--principal",
        "*",
        "--function-url-auth-type",
        "NONE",
    )
    served.aws(  # URLs made since October 2025 need lambda:InvokeFunction too
        "lambda",
        "add-permission",
        "--function-name",
        "url-fn",
        "--statement-id",
        "public-invoke",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "*",
        "--invoked-via-function-url",
    )
    url = served.aws(
        "lambda",
        "create-function-url-config",
        "--function-name",
        "url-fn",
        "--auth-type",
        "NONE",
    )["FunctionUrl"]
    assert url.startswith(f"{served.web}/lambda-url/"), url
    with urllib.request.urlopen(f"{url}hello", timeout=30) as response:
        assert response.status == 200
        assert response.read() == b"hi from /hello"
