"""`python -m bot rules doc`: write docs/clinical-rules.md from the rule files.

`--check` exits 1 (and writes nothing) when the file on disk is stale, for CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.domain.danger_words import load_danger_words
from bot.domain.triage import load_rules
from bot.domain.triage_doc import render

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "clinical-rules.md"


def current_doc() -> str:
    return render(load_rules(), load_danger_words())


def rules_doc(args: argparse.Namespace) -> int:
    text = current_doc()
    path = Path(getattr(args, "output", None) or DOC_PATH)
    if getattr(args, "check", False):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is stale: run `python -m bot rules doc`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registered by bot/__main__.py: `rules doc [--check] [--output FILE]`."""
    rules = sub.add_parser("rules", help="the clinical rules (triage thresholds and sources)")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    doc = rules_sub.add_parser("doc", help="write docs/clinical-rules.md from the rule files")
    doc.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    doc.add_argument("--output", help="write here instead of docs/clinical-rules.md")
    doc.set_defaults(func=rules_doc)
