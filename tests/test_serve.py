"""``casefile serve``: a real Datasette, in a real subprocess on 127.0.0.1, serving a private published copy
(issue 17). Canaries planted in everything that must not be shared are looked for in every response."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from test_publish import CANARIES, PUBLIC_WORD, canaries_in, plant


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    def __init__(self, tmp_path: Path, *args: str):
        self.port = free_port()
        self.stderr_path = tmp_path / f"serve-{self.port}.err"
        self.stderr = open(self.stderr_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "casefile", "serve", "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            env=dict(os.environ),
        )
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, self.stderr_path.read_text()
            try:
                if get(self.port, "/-/versions.json")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, self.stderr_path.read_text()
            time.sleep(0.2)
        found = re.search(r"temporary file (\S+)", self.stderr_path.read_text())
        assert found, self.stderr_path.read_text()
        self.file = Path(found.group(1))

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=60)
        self.stderr.close()
        return code


def sweep(port: int, database: str) -> list[tuple[str, list[str]]]:
    """Every table page (HTML and JSON), full-text search for each canary, every canned query: what leaked."""
    status, body = get(port, f"/{database}.json")
    assert status == 200
    info = json.loads(body)
    tables = [t["name"] for t in info["tables"]]
    assert "accounts" in tables and "audit_log" not in tables
    paths = [f"/{database}", f"/{database}.json", "/-/metadata.json"]
    for table in tables:
        quoted = urllib.parse.quote(table)
        paths += [f"/{database}/{quoted}", f"/{database}/{quoted}.json?_size=max&_shape=array"]
    for canary in CANARIES.values():  # (a page echoes what was searched for: the rows alone are looked at)
        for term in (canary, canary.lower(), canary[:12] + "*"):
            status, body = get(port, f"/{database}/accounts.json?_search={urllib.parse.quote(term)}&_shape=array")
            assert (status, body) == (200, b"[]"), term
    queries = info.get("queries") or []
    assert {q["name"] for q in queries} >= {"timeline", "counts_by_reason_and_year"}
    for query in queries:
        paths += [f"/{database}/{query['name']}", f"/{database}/{query['name']}.json?_shape=array"]
    leaks = []
    for path in paths:
        status, body = get(port, path)
        assert status == 200, (path, status)
        if canaries_in(body):
            leaks.append((path, canaries_in(body)))
    return leaks


def test_serve_answers_every_endpoint_without_a_canary_and_cleans_up(cli, tmp_path: Path, db: Path) -> None:
    plant(cli)
    server = Server(tmp_path)
    try:
        assert server.file.exists() and server.file != db
        assert oct(server.file.stat().st_mode & 0o777) == oct(0o600)
        assert oct(server.file.parent.stat().st_mode & 0o777) == oct(0o700)
        database = server.file.stem
        assert sweep(server.port, database) == []
        status, body = get(server.port, f"/{database}/accounts.json?_search={PUBLIC_WORD}&_shape=array")
        assert [row["external_id"] for row in json.loads(body)] == ["PUB-1"]
        status, body = get(server.port, f"/{database}/accounts.json?_facet=organization&_facet=nationality")
        facets = json.loads(body)["facet_results"]
        assert facets["organization"]["results"][0]["value"] == "MEK"
        # arbitrary SQL is off
        sql = urllib.parse.quote("select * from sqlite_master")
        assert get(server.port, f"/{database}.json?sql={sql}")[0] == 403
    finally:
        code = server.stop(signal.SIGINT)
    assert code == 0, server.stderr_path.read_text()
    assert not server.file.exists() and not server.file.parent.exists()
    stderr = server.stderr_path.read_text()
    assert "Traceback" not in stderr and canaries_in(stderr.encode()) == []


def test_serve_with_sql_shows_no_canary_in_any_table_and_sigterm_cleans_up(cli, tmp_path: Path) -> None:
    plant(cli)
    server = Server(tmp_path, "--sql")
    try:
        database = server.file.stem
        sql = urllib.parse.quote("select * from sqlite_master")
        status, body = get(server.port, f"/{database}.json?sql={sql}&_shape=array")
        assert status == 200 and canaries_in(body) == []
        tables = [row["name"] for row in json.loads(body) if row["type"] == "table"]
        assert "accounts" in tables and "accounts_fts_data" in tables
        for table in tables:
            query = urllib.parse.quote(f'select * from "{table}"')
            status, body = get(server.port, f"/{database}.json?sql={query}&_shape=array&_size=max")
            assert status == 200, table
            assert canaries_in(body) == [], table
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0
    assert not server.file.exists()


def test_serve_on_another_host_warns(cli, tmp_path: Path) -> None:
    plant(cli)
    server = Server(tmp_path, "--host", "0.0.0.0")
    try:
        assert "warning:" in server.stderr_path.read_text()
    finally:
        server.stop(signal.SIGHUP)
    assert not server.file.exists()


def test_datasette_killed_by_a_signal_ends_serve_with_128_plus_the_signal(cli, tmp_path: Path) -> None:
    """Datasette ended by a signal (the OOM killer, a `kill -9` aimed at it): casefile says so in one line and
    exits as a shell reports a process killed by that signal - not with Python's reading of a negative status
    (-9 → 247) - and still removes the temporary copy."""
    plant(cli)
    server = Server(tmp_path)
    pid = server.proc.pid
    (datasette,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    os.kill(int(datasette), signal.SIGKILL)
    code = server.proc.wait(timeout=60)
    server.stderr.close()
    stderr = server.stderr_path.read_text()
    assert code == 128 + signal.SIGKILL, stderr
    assert stderr.splitlines()[-1] == "error: Datasette was killed by signal 9"
    assert "Traceback" not in stderr
    assert not server.file.exists() and not server.file.parent.exists()
