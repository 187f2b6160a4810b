"""The start-up yardstick: a bare five-command Typer app with lazy imports (performance.md, Appendix A).

``python benchmarks/typer_floor.py hello`` is what casefile's whole-process timings are compared with: the
same venv, the same Typer, nothing of casefile's own. Heavy imports sit inside the commands, as casefile's do.
"""

from typing import Optional

import typer

app = typer.Typer(add_completion=False)


@app.command()
def add(name: str, org: str = "", date: str = "") -> None:
    import sqlite_utils  # noqa: F401
    from dateutil import parser as dparser  # noqa: F401

    print(name, org, date)


@app.command("list")
def list_(db: str = "x.db", limit: int = 50, org: Optional[str] = None) -> None:
    from rich.console import Console
    from rich.table import Table

    Console().print(Table("id", "name"))


@app.command()
def show(id: str) -> None:
    print(id)


@app.command()
def search(q: str, limit: int = 20) -> None:
    print(q)


@app.command()
def hello() -> None:
    print("hello")


if __name__ == "__main__":
    app()
