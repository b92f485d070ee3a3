"""`python -m lessons lint`: validate every lesson and print what is wrong, file and line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lessons.catalog import LESSONS_DIR, lint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessons")
    parser.add_argument("command", choices=["lint"])
    parser.add_argument("--dir", type=Path, default=LESSONS_DIR, help="folder of lesson files")
    args = parser.parse_args(argv)
    lessons, problems = lint(args.dir, args.dir / "syllabus.yaml")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the lessons", file=sys.stderr)
        return 1
    print(f"{len(lessons)} lessons OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
