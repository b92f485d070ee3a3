"""A workshop on one machine: `python bench/workshop.py [--learners 30] [--processes 1]`.

N simulated learners (threads, as Streamlit serves each browser session on a thread of
one process) each do labs 1 to 3 and a practice quiz through the code the pages call.
A click on the labs page reruns the page, so each click here does what that run does:
a sandbox session for the learner (``get_sandbox().learner_session``), the lab's context
(``labs.engine.context_for``), the progress store's reads (``revision``, ``snapshot`` when
it moved) and position, the click's own work (``run_action`` for each call of the step's
reference solution, or ``run_checks`` and ``record_check``), the step's log viewer
(``read_log_streams``) and the sidebar's "My sandbox" (``list_resources``). The quiz is
``quizzes.grading.grade`` and ``StoredQuizProgress.record``, as the quiz page does.

Learners arrive over ``--arrive-over`` seconds (60) and wait ``--think`` seconds on average
(15) between clicks, reading and typing: a brisk workshop, where a lab step of two or
three clicks takes a learner about a minute. ``--think 0 --arrive-over 0`` is a stress test.
``--processes P`` splits the class over P app processes, each with its own sandbox and
one shared store, as the README's deployment runs behind a sticky proxy.

Printed: p50/p95/max latency per kind of step, errors, wall time, and memory per learner
(PSS of the app processes and every worker process they started). Aim (issue 9): 30
learners, p95 < 1.5 s per lab action, no error. The store is a fresh SQLite file, or a
throwaway PostgreSQL (`--postgres`, Debian's binaries), or `--database-url` (loopback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.loopback import install_guard  # noqa: E402
from labs.engine import context_for, fill_text, run_action, run_checks  # noqa: E402
from labs.model import Lab, load_labs  # noqa: E402
from labs.sandbox_views import list_resources, read_log_streams  # noqa: E402
from progress.identity import new_learner_id  # noqa: E402
from progress.quiz import StoredQuizProgress  # noqa: E402
from progress.store import ProgressStore, open_store  # noqa: E402
from progress.throwaway_postgres import ThrowawayPostgres  # noqa: E402
from quizzes.grading import InvalidResponse, grade  # noqa: E402
from quizzes.questions import Question, load_quizzes  # noqa: E402
from sandbox.server import Sandbox, get_sandbox  # noqa: E402

AIM_P95_S = 1.5
QUIZ_QUESTIONS = 10
ACTION = "lab action (run_action)"
CLICK = "click on a lab action (whole page run)"
CHECK = "click on Check my progress (whole page run)"
ORDER = [
    "sign in (store write)",
    "labs page run, before the click's work",
    ACTION,
    CLICK,
    "check (run_checks + record_check)",
    CHECK,
    "wait for the S3 trigger",
    "quiz answer (grade + store)",
]


class Timings:
    """Latency samples by kind, and errors, from every learner thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        with self._lock:
            self.samples[kind].append(seconds)

    @contextmanager
    def timed(self, *kinds: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            for kind in kinds:
                self.add(kind, time.perf_counter() - started)

    def error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pss_mb(pids: list[int]) -> float:
    """Proportional set size of these processes together (shared pages counted once)."""
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                total_kb += next(int(ln.split()[1]) for ln in rollup if ln.startswith("Pss:"))
        except (OSError, StopIteration):
            continue  # the process ended meanwhile
    return total_kb / 1024


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children[ppid].append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def practice_response(question: Question, rng: random.Random) -> Any:
    """Right about two times in three, as a learner halfway through the course."""
    right = rng.random() < 0.66
    if question.type == "numeric":
        return str(question.answer if right else question.answer * 2 + 1)
    if question.type in ("single", "truefalse"):
        if right:
            return str(question.answer).lower()
        return rng.choice([o.id for o in question.options if o.id != question.answer])
    if question.type == "multiple":
        return list(question.answer) if right else [question.options[0].id]
    order = list(question.answer)
    if not right:
        order[0], order[-1] = order[-1], order[0]
    return order


class SimulatedLearner:
    def __init__(
        self,
        number: int,
        sandbox: Sandbox,
        store: ProgressStore,
        timings: Timings,
        think_s: float,
    ) -> None:
        self.number = number
        self.sandbox = sandbox
        self.store = store
        self.timings = timings
        self.think_s = think_s
        self.rng = random.Random(number)
        self.learner = new_learner_id()
        self.revision = -1
        self.position: tuple[str, str] | None = None

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.5, 1.5) * self.think_s)

    @contextmanager
    def labs_page_run(self, lab: Lab, step_id: str, *kinds: str) -> Iterator[Any]:
        """One run of the labs page around a click: its reads before, its views after."""
        started = time.perf_counter()
        session = self.sandbox.learner_session(self.learner)
        ctx = context_for(session, self.learner, lab)
        revision = self.store.revision(self.learner)
        if revision != self.revision:  # progress.web reloads only when it moved
            self.store.snapshot(self.learner)
            self.revision = revision
        if self.position != (lab.slug, step_id):
            self.store.record_position(self.learner, lab=lab.slug, step=step_id)
            self.position = (lab.slug, step_id)
        self.timings.add("labs page run, before the click's work", time.perf_counter() - started)
        yield session, ctx
        step = lab.step(step_id)
        if step.logs:
            read_log_streams(session, fill_text(step.logs, ctx.values), "")
        list_resources(session)
        for kind in kinds:
            self.timings.add(kind, time.perf_counter() - started)

    def do_lab(self, lab: Lab) -> None:
        for step in lab.steps:
            inputs: dict[str, Any] = {
                "event": step.event,
                "code": step.editor.starter if step.editor else "",
            }
            records = []
            for spec in step.solution:
                self.think()
                operation = f"  {spec.service}.{spec.operation}"
                with (
                    self.labs_page_run(lab, step.id, CLICK) as (session, ctx),
                    self.timings.timed(ACTION, operation),
                ):
                    record = run_action(session, spec, ctx.with_inputs(**inputs))
                records.append(record)
                if not record.ok:
                    self.timings.error(f"{lab.slug}/{step.id} {spec.operation}: {record.error}")
                    break
            if step.answer and records:
                inputs["answer"] = records[-1].request_id
            if step.wait_for_async:
                with self.timings.timed("wait for the S3 trigger"):
                    self.sandbox.wait_for_async(10)
            self.think()
            with (
                self.labs_page_run(lab, step.id, CHECK) as (session, ctx),
                self.timings.timed("check (run_checks + record_check)"),
            ):
                results = run_checks(session, step, ctx.with_inputs(**inputs))
                passed = all(r.passed for r in results)
                self.store.record_check(self.learner, lab.slug, step.id, passed)
            if not passed:
                failed = next(r for r in results if not r.passed)
                self.timings.error(f"{lab.slug}/{step.id} check: {failed.what}: {failed.found}")

    def do_quiz(self, questions: list[Question]) -> None:
        progress = StoredQuizProgress(
            self.store, self.learner, self.store.snapshot(self.learner).quiz
        )
        for question in self.rng.sample(questions, QUIZ_QUESTIONS):
            self.think()
            with self.timings.timed("quiz answer (grade + store)"):
                self.store.revision(self.learner)
                response = practice_response(question, self.rng)
                try:
                    result = grade(question, response)
                except InvalidResponse as problem:
                    self.timings.error(f"quiz {question.id}: {problem}")
                    continue
                progress.record(question, response, result, "practice", dt.datetime.now())

    def journey(self, labs: list[Lab], questions: list[Question], arrive_at: float) -> None:
        time.sleep(max(0.0, arrive_at - time.monotonic()))
        try:
            with self.timings.timed("sign in (store write)"):
                self.store.save_learner(self.learner, name=f"Learner {self.number:02d}")
            for lab in labs:
                self.do_lab(lab)
            self.do_quiz(questions)
        except Exception:  # noqa: BLE001 - any failure of a learner is an error of the bench
            self.timings.error(f"learner {self.number}: {traceback.format_exc(limit=4)}")


def simulate(
    learners: int, first: int, think_s: float, arrive_over_s: float, store: ProgressStore
) -> dict[str, Any]:
    """The class in this process; returns the samples, errors and memory figures."""
    install_guard()
    labs = [lab for lab in sorted(load_labs().labs, key=lambda x: x.order) if lab.order <= 3]
    questions = list(load_quizzes().questions)
    sandbox = get_sandbox()
    sandbox.learner_session("learner-000000000000").client("sts").get_caller_identity()
    me = os.getpid()
    before = pss_mb(process_tree(me))
    cpu_before = time.process_time()
    timings = Timings()
    began = time.monotonic()
    threads = []
    for n in range(first, first + learners):
        arrive_at = began + (arrive_over_s * (n - first) / max(1, learners - 1))
        learner = SimulatedLearner(n, sandbox, store, timings, think_s)
        thread = threading.Thread(
            target=learner.journey, args=(labs, questions, arrive_at), name=f"learner-{n}"
        )
        thread.start()
        threads.append(thread)
    peak = before
    while any(thread.is_alive() for thread in threads):
        time.sleep(1)
        peak = max(peak, pss_mb(process_tree(me)))
    return {
        "cpu_s": time.process_time() - cpu_before,  # the app process: all its threads
        "samples": timings.samples,
        "errors": timings.errors,
        "wall_s": time.monotonic() - began,
        "pss_before_mb": before,
        "pss_peak_mb": peak,
        "pss_after_mb": pss_mb(process_tree(me)),
        "workers": len(process_tree(me)) - 1,
        "labs": [lab.slug for lab in labs],
    }


def report(results: list[dict[str, Any]], args: argparse.Namespace, store: str) -> int:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for result in results:
        for kind, values in result["samples"].items():
            samples[kind] += values
        errors += result["errors"]
    wall = max(r["wall_s"] for r in results)
    before = sum(r["pss_before_mb"] for r in results)
    peak = sum(r["pss_peak_mb"] for r in results)
    after = sum(r["pss_after_mb"] for r in results)
    actions = len(samples[ACTION])
    print(
        f"Workshop bench: {args.learners} learners in {args.processes} app process(es), "
        f"labs {', '.join(results[0]['labs'])} and {QUIZ_QUESTIONS} practice questions each; "
        f"arriving over {args.arrive_over:g} s, ~{args.think:g} s between clicks; store "
        f"{store}; {os.cpu_count()} CPUs"
    )
    print(
        f"Wall time {wall:.1f} s; {actions} lab actions ({actions / wall:.1f} per second); "
        f"load average {args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(other work on the machine slows every figure)"
    )
    print()
    print(f"{'step':<46} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    kinds = [k for k in ORDER if k in samples] + sorted(k for k in samples if k.startswith("  "))
    for kind in kinds:
        values = samples[kind]
        print(
            f"{kind:<46} {len(values):>6} {1000 * statistics.median(values):>8.0f} "
            f"{1000 * percentile(values, 0.95):>8.0f} {1000 * max(values):>8.0f}"
        )
    print()
    print(f"Errors: {len(errors)}")
    for message in errors[:10]:
        print(f"  {message}")
    workers = sum(r["workers"] for r in results)
    print(
        f"Memory (PSS of the app process(es) and {workers} worker processes): "
        f"{before:.0f} MB before, {peak:.0f} MB at the peak, {after:.0f} MB after; "
        f"{(peak - before) / args.learners:.0f} MB per learner"
    )
    runs = len(samples["labs page run, before the click's work"])
    cpu = sum(r["cpu_s"] for r in results)
    per_run = cpu / max(1, runs)
    print(
        f"CPU of the app process(es): {cpu:.0f} s for {runs} labs page runs and the quiz, "
        f"{1000 * per_run:.0f} ms per page run: one process (Python runs one thread at a "
        f"time) serves at most ~{1 / per_run:.1f} labs page runs per second"
    )
    action_p95 = percentile(samples[ACTION], 0.95) if actions else float("inf")
    click_p95 = percentile(samples[CLICK], 0.95) if actions else float("inf")
    met = action_p95 < AIM_P95_S and not errors
    print(
        f"Aim: p95 < {AIM_P95_S} s per lab action, no error -> lab action p95 "
        f"{action_p95:.2f} s (whole click {click_p95:.2f} s), {len(errors)} errors: "
        f"{'MET' if met else 'NOT MET'}"
    )
    return 0 if met else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--processes", type=int, default=1, help="app processes sharing a store")
    parser.add_argument("--think", type=float, default=15.0, help="mean seconds between clicks")
    parser.add_argument("--arrive-over", type=float, default=60.0, help="seconds to all arrive")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throwaway local PostgreSQL")
    where.add_argument("--database-url", help="a postgresql:// (loopback) or sqlite:/// URL")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child is not None:  # one app process of a --processes run: print JSON only
        store = open_store(args.database_url)
        share = args.learners // args.processes + (args.child < args.learners % args.processes)
        first = sum(
            args.learners // args.processes + (n < args.learners % args.processes)
            for n in range(args.child)
        )
        try:
            result = simulate(share, first, args.think, args.arrive_over, store)
        finally:
            store.close()
        print(json.dumps(result))
        return

    args.load_before = os.getloadavg()[0]
    cluster = ThrowawayPostgres().start() if args.postgres else None
    folder = tempfile.TemporaryDirectory(prefix="lambda-lab-bench-")
    url = cluster.url if cluster else args.database_url or f"sqlite:///{folder.name}/bench.db"
    store = open_store(url)  # migrates once, before the processes start
    try:
        if args.processes == 1:
            results = [simulate(args.learners, 0, args.think, args.arrive_over, store)]
        else:
            command = [sys.executable, __file__, "--database-url", url]
            for flag in ("learners", "processes", "think", "arrive_over"):
                command += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
            children = [
                subprocess.Popen([*command, "--child", str(n)], stdout=subprocess.PIPE, text=True)
                for n in range(args.processes)
            ]
            results = [json.loads(child.communicate()[0].splitlines()[-1]) for child in children]
        code = report(results, args, store.description)
    finally:
        store.close()
        if cluster:
            cluster.stop()
        folder.cleanup()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
