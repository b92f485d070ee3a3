"""`python -m quizzes lint`: validate every question bank; last line `N questions in M banks`."""

from __future__ import annotations

import argparse
from pathlib import Path

from quizzes.questions import BANK_DIR, lesson_sections, lint_banks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quizzes")
    parser.add_argument("command", choices=["lint"])
    parser.add_argument("--dir", type=Path, default=BANK_DIR, help="folder of bank files")
    args = parser.parse_args(argv)
    catalog = lint_banks(args.dir, lesson_sections())
    for problem in catalog.problems:
        print(problem)
    questions = catalog.questions
    print(f"{len(questions)} questions in {len(catalog.banks)} banks")
    return 1 if catalog.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
