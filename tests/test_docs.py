"""Docs that cannot drift: the generated sections of README.md and docs/CLI.md match the code."""

from __future__ import annotations

from casefile import docs


def test_readme_generated_sections_are_fresh() -> None:
    text = (docs.ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.render(text) == text, "README.md is stale: run `python -m casefile.docs`"
    assert "`source_credibility`" in text
    assert "| `export_format` | string |" in text  # the settings table is there, not just its markers


def test_cli_reference_is_fresh() -> None:
    text = (docs.ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    assert text == docs.cli_document(), "docs/CLI.md is stale: run `python -m casefile.docs`"
