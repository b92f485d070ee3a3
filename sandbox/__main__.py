"""`python -m sandbox serve --port N`: a standalone sandbox endpoint.

For the AWS CLI, boto3 scripts or a workshop's shared endpoint. It prints the endpoint
and how to point the AWS CLI at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import signal
import threading

from sandbox.runtime.isolation import IsolationError
from sandbox.server import Sandbox


def serve(args: argparse.Namespace) -> None:
    # Strangers share a strict sandbox: it runs no handler without a boundary, unless the
    # person starting it chooses single-learner mode knowingly.
    namespaces = False if args.single_learner else (True if args.strict else None)
    try:
        sandbox = Sandbox(
            port=args.port,
            strict_credentials=args.strict,
            verbose=args.verbose,
            http_port=args.http_port,
            namespaces=namespaces,
            cpu_follows_memory=args.cpu_follows_memory,
        ).start()
    except IsolationError as error:
        raise SystemExit(f"The sandbox did not start. {error}") from None
    endpoint = sandbox.endpoint_url
    web = sandbox.http.base_url
    assert sandbox.runtime is not None
    lines = [
        f"Lambda Lab sandbox: an AWS endpoint at {endpoint} (loopback only)",
        sandbox.runtime.describe_boundary(),
        f"Function URLs and API Gateway stages answer at {web}:",
        f"  curl {web}/lambda-url/<url-id>/            (the FunctionUrl the API returns)",
        f"  curl {web}/execute-api/<api-id>/<stage>/<path>",
        "",
        "Point the AWS CLI (v2 or v1) or boto3 at it, either per command:",
        f"  aws --endpoint-url {endpoint} --region us-east-1 lambda list-functions",
        "or for the whole shell:",
        f"  export AWS_ENDPOINT_URL={endpoint}",
        "  export AWS_DEFAULT_REGION=us-east-1",
    ]
    for learner in args.learner:
        account = sandbox.learner_account(learner)
        lines += [
            "",
            f"Learner {learner!r}: account {account.account_id}",
            f"  export AWS_ACCESS_KEY_ID={account.access_key_id}",
            f"  export AWS_SECRET_ACCESS_KEY={account.secret_access_key}",
        ]
    if not args.strict:
        lines += [
            "",
            "Other credentials (for example AWS_ACCESS_KEY_ID=testing and",
            "AWS_SECRET_ACCESS_KEY=testing) all land in the shared default account 123456789012.",
        ]
    lines += ["", "Ctrl+C stops the sandbox."]
    print("\n".join(lines), flush=True)

    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run a standalone sandbox endpoint")
    serve_parser.add_argument(
        "--port", type=int, default=4566, help="port on 127.0.0.1 (0: any free one)"
    )
    serve_parser.add_argument(
        "--http-port",
        type=int,
        default=0,
        help="port on 127.0.0.1 for function URLs and APIs (0: any free one)",
    )
    serve_parser.add_argument(
        "--learner",
        action="append",
        default=[],
        help="print credentials of this learner's own account (repeatable)",
    )
    serve_parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse credentials that no learner account knows",
    )
    serve_parser.add_argument(
        "--single-learner",
        action="store_true",
        help="run handlers without namespaces, as you (only for your own machine)",
    )
    serve_parser.add_argument(
        "--cpu-follows-memory",
        action="store_true",
        help="give each function CPU in proportion to its memory (1 vCPU at 1,769 MB)",
    )
    serve_parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args)


if __name__ == "__main__":
    main()
