"""``python -m progress``: the instructor passcode, the store's schema, workshops, exports.

python -m progress set-passcode            # asks twice; stores a scrypt hash in data/
python -m progress set-passcode --print    # prints the hash for LAMBDA_LAB_INSTRUCTOR_...
python -m progress info                    # which database, schema version, learners
python -m progress create-workshop "Serverless day"
python -m progress export learner-3f9a0c12b7de -o progress.json
python -m progress import learner-3f9a0c12b7de progress.json
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from course.loopback import install_guard
from progress.identity import new_workshop_code
from progress.passcode import HASH_ENV, PasscodeError, hash_passcode, save_hash
from progress.store import StoreError, open_store
from progress.transfer import TransferError, export_json, import_into, parse_export


def set_passcode(args: argparse.Namespace) -> int:
    if args.stdin:
        passcode = sys.stdin.readline().rstrip("\n")
    else:
        passcode = getpass.getpass("New instructor passcode: ")
        if getpass.getpass("Again: ") != passcode:
            print("The two passcodes differ; nothing changed.", file=sys.stderr)
            return 1
    try:
        hashed = hash_passcode(passcode)
    except PasscodeError as problem:
        print(f"Not set: {problem}.", file=sys.stderr)
        return 1
    if args.print:
        print(hashed)
        print(f"Put it in {HASH_ENV} (the passcode itself is stored nowhere).", file=sys.stderr)
        return 0
    path = save_hash(hashed)
    print(f"Saved the passcode's hash to {path} (readable by you only).")
    return 0


def info(_: argparse.Namespace) -> int:
    store = open_store()
    try:
        print(f"Store: {store.description}")
        print(f"Schema version: {store.schema_version()}")
        print(f"Learners: {len(store.learners())}")
        for workshop in store.workshops():
            print(f"Workshop {workshop.code}: {workshop.title}")
    finally:
        store.close()
    return 0


def create_workshop(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        created = store.create_workshop(new_workshop_code(), " ".join(args.title.split()))
    finally:
        store.close()
    print(f"Workshop {created.title!r}: code {created.code} (join link: /?workshop={created.code})")
    return 0


def export(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        text = export_json(store.snapshot(args.learner))
    finally:
        store.close()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


def import_(args: argparse.Namespace) -> int:
    snapshot = parse_export(Path(args.file).read_bytes())
    store = open_store()
    try:
        import_into(store, args.learner, snapshot)
    finally:
        store.close()
    print(f"Imported {args.file} as {args.learner}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    install_guard()
    parser = argparse.ArgumentParser(
        prog="python -m progress", description="The progress store: passcode, schema, exports."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("set-passcode", help="set the instructor dashboard's passcode")
    command.add_argument("--stdin", action="store_true", help="read it from stdin (scripts)")
    command.add_argument("--print", action="store_true", help=f"print the hash for {HASH_ENV}")
    command.set_defaults(run=set_passcode)
    commands.add_parser("info", help="the store, its schema version").set_defaults(run=info)
    command = commands.add_parser("create-workshop", help="a workshop and its join code")
    command.add_argument("title")
    command.set_defaults(run=create_workshop)
    command = commands.add_parser("export", help="one learner's progress as JSON")
    command.add_argument("learner")
    command.add_argument("-o", "--output")
    command.set_defaults(run=export)
    command = commands.add_parser("import", help="replace a learner's progress with a file's")
    command.add_argument("learner")
    command.add_argument("file")
    command.set_defaults(run=import_)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (StoreError, TransferError, OSError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
