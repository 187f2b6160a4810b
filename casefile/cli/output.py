"""Generic tabular output for the smaller read commands (org, source, timeline, vocab, …).

``table`` draws a rich table on a terminal and tab-separated rows (no header) when piped; ``json``,
``jsonl`` and ``csv`` write every column of every row. Lists are joined with ``; `` in tables and CSV; CSV
is spreadsheet-safe and marked, as exports are (:mod:`casefile.safecsv`).
Everything goes through ``data_out()`` (exact bytes to a file or a pipe, visible escapes on a terminal) or,
for a table on a terminal, ``draw()`` (the pager when it is taller than the terminal).
"""

import json
from typing import Any


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if hasattr(value, "raw"):
        return value.derivation() if value.derived else str(value.raw)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "parts"):
        return {"raw": value.raw, **value.parts()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def emit_rows(rows: list[dict[str, Any]], fmt: str, columns: list[str], title: str) -> None:
    from casefile.cli.common import data_out, draw, err

    out = data_out()
    if fmt == "json":
        out.write(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        out.writelines(json.dumps(_jsonable(r), ensure_ascii=False) + "\n" for r in rows)
    elif fmt == "csv":
        from casefile.exporters.csv import header_line, row_line

        out.write(header_line(columns))
        out.writelines(row_line([_text(r.get(c)) for c in columns]) for r in rows)
    elif not out.isatty():
        from casefile.render import plain_cell

        out.writelines("\t".join(plain_cell(_text(r.get(c))) for c in columns) + "\n" for r in rows)
    elif not rows:
        err(f"no {title} to show")
    else:
        from rich.table import Table

        from casefile.render import safe_text

        table = Table(header_style="bold")
        for column in columns:
            table.add_column(
                column.replace("_", " "), ratio=1 if column in ("description", "title", "aliases") else None
            )
        for row in rows:
            table.add_row(*(safe_text(_text(row.get(c))) for c in columns))
        draw(table)
