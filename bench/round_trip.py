"""Every lab's export, deployed back: `python bench/round_trip.py [--lab SLUG ...]`.

For each lab: a fresh sandbox account does the lab (its reference solution, step by step,
as `python -m labs verify` does), the map of the lab's resources is exported (template,
stages, code, README), cfn-lint checks every template, and the zip deploys into a second
fresh account through moto's CloudFormation. Printed per lab: resources in the template,
templates (stages) deployed, what CloudFormation created and what the deployer applied
through the API (moto 5.2 lacks those models), cfn-lint findings, whether the deployed
account draws the same map, and the seconds each part took. The tests assert the same
(tests/architecture/test_round_trip.py); this prints the figures behind them.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cfnlint.api import ManualArgs, lint  # noqa: E402

from architecture.compare import signature  # noqa: E402
from architecture.deploy import deploy_package  # noqa: E402
from architecture.export import export_package, to_yaml  # noqa: E402
from architecture.graph import build_graph  # noqa: E402
from architecture.live import lab_names  # noqa: E402
from course.loopback import install_guard  # noqa: E402
from labs.engine import verify_lab  # noqa: E402
from labs.model import load_labs  # noqa: E402
from sandbox.server import get_sandbox  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lab", action="append", help="only this lab (repeatable)")
    args = parser.parse_args()
    install_guard()
    sandbox = get_sandbox()
    labs = sorted(load_labs().labs, key=lambda lab: lab.order)
    if args.lab:
        labs = [lab for lab in labs if lab.slug in args.lab]
    header = (
        f"{'lab':<22} {'res':>4} {'tpl':>4} {'by CFN':>7} {'by API':>7} {'lint':>5} "
        f"{'same map':>9} {'do lab s':>9} {'export s':>9} {'deploy s':>9}"
    )
    print(header)
    failures = 0
    for lab in labs:
        run = uuid.uuid4().hex[:6]
        learner_id = f"round-trip-{lab.slug}-{run}"
        session = sandbox.learner_session(learner_id)
        started = time.perf_counter()
        verification = verify_lab(session, learner_id, lab, sandbox.wait_for_async)
        did_lab = time.perf_counter() - started
        if not verification.ok:
            failures += 1
            print(f"{lab.slug:<22} the reference solution failed: {verification.failures}")
            continue
        started = time.perf_counter()
        original = build_graph(session, lab_names(session, learner_id, lab))
        package = export_package(session, original, scope=lab.title)
        exported = time.perf_counter() - started
        templates = [*package.stages, package.template]
        findings = sum(
            len(lint(to_yaml(t.body), config=ManualArgs(regions=["us-east-1"]))) for t in templates
        )
        target = sandbox.learner_session(f"round-trip-target-{lab.slug}-{run}")
        started = time.perf_counter()
        deployment = deploy_package(target, package.zip_bytes)
        deployed_s = time.perf_counter() - started
        by_cfn = len(deployment.steps[-1].by_cloudformation) if deployment.steps else 0
        by_api = sum(len(step.through_api) for step in deployment.steps)
        differences = signature(original).differences(signature(build_graph(target)))
        same = deployment.ok and not differences
        failures += 0 if same and not findings else 1
        print(
            f"{lab.slug:<22} {len(package.template.body.get('Resources', {})):>4} "
            f"{len(templates):>4} {by_cfn:>7} {by_api:>7} {findings:>5} "
            f"{'yes' if same else 'NO':>9} {did_lab:>9.1f} {exported:>9.1f} {deployed_s:>9.1f}"
        )
        if not same:
            for step in deployment.steps:
                print(f"    {step.template}: {step.status} {step.reason}")
            for difference in differences[:5]:
                print(f"    differs: {difference}")
    print()
    print(
        "res: resources in template.yaml; tpl: templates deployed (stages, then the template); "
        "by CFN: logical ids in the stack after the last template; by API: steps the deployer "
        "applied through the service APIs (types or properties moto's CloudFormation lacks); "
        "lint: cfn-lint findings over all templates"
    )
    print(f"{len(labs) - failures} of {len(labs)} labs went to CloudFormation and back unchanged")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
