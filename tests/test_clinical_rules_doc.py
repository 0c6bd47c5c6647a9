"""docs/clinical-rules.md is generated from the rule files and must never be stale."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.domain.danger_words import default_danger_words
from bot.domain.triage import load_rules
from bot.rules_cli import DOC_PATH, current_doc, rules_doc


def test_the_committed_document_matches_the_rule_files() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == current_doc(), (
        "docs/clinical-rules.md is stale: run `python -m bot rules doc`"
    )


def test_every_rule_sign_and_source_is_in_the_document() -> None:
    doc = current_doc()
    rules = load_rules()
    for rule in rules.rules:
        assert f"`{rule.id}`" in doc
    for key in rules.sources:
        assert f"`{key}`" in doc
    for sign in default_danger_words().signs:
        assert f"`{sign.id}`" in doc
    # Thresholds appear as numbers a clinician can check, both sides of the table.
    assert "temperature (°C, armpit) ≥ 38" in doc and "SpO2 (%) ≤ 95" in doc
    assert "gestation < 24+0" in doc


def test_check_mode_fails_on_a_stale_file_and_passes_on_a_fresh_one(tmp_path: Path) -> None:
    out = tmp_path / "clinical-rules.md"
    out.write_text("# old\n", encoding="utf-8")
    assert rules_doc(argparse.Namespace(check=True, output=str(out))) == 1
    assert out.read_text(encoding="utf-8") == "# old\n"  # --check writes nothing
    assert rules_doc(argparse.Namespace(check=False, output=str(out))) == 0
    assert rules_doc(argparse.Namespace(check=True, output=str(out))) == 0
