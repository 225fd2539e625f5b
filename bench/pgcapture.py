"""The SQL tender sends PostgreSQL for each benchmarked request, captured from the server.

A scratch database on the bench's cluster gets `log_statement = 'all'`; a tender on it
answers one create, one create+confirm and one retrieve; the statements (with their
parameters) each backend session logged between markers are read back from the server
log.  The result is what the asyncpg-alone baseline replays (`bench.asyncpg_alone`):
per request, the statements of the transaction that touches `objects`, without its
transaction control; and it is a record of every statement tender sent.

    python -m bench.pgcapture [--workdir /tmp/tender-bench]   # prints it

`bench.run` runs it once at the start of each PostgreSQL block, stores the summary in the
JSON (`postgres_statements`) and hands the replay to the baseline.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench import probe
from bench.backends import PUBLISHABLE_KEY, SECRET_KEY, PostgresBackend
from bench.servers import tender_server

_LINE = re.compile(r"^\S+ \S+ \S+ \[(?P<pid>\d+)\] (?P<level>[A-Z]+):  (?P<text>.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (?P<sql>.*)$", re.S)
_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION|END)\b", re.I)


def _records(text: str) -> list[dict[str, Any]]:
    """Log records (a record's continuation lines joined to it)."""
    out: list[dict[str, Any]] = []
    for line in text.split("\n"):
        m = _LINE.match(line)
        if m:
            out.append({"pid": int(m.group("pid")), "level": m.group("level"), "text": m.group("text")})
        elif out and line.startswith("\t"):
            out[-1]["text"] += "\n" + line[1:]
    return out


def _params(detail: str) -> list[str | None]:
    found = {int(n): (None if v == "NULL" else v[1:-1].replace("''", "'"))
             for n, v in _PARAM.findall(detail)}
    return [found[i] for i in range(1, len(found) + 1)]


def capture(backend: PostgresBackend, workdir: Path) -> dict[str, Any]:
    """{scenario: {"statements": [sql, ...] (all tender sent, in order), "warnings": [...],
    "replay": [[sql, [param, ...]], ...], "readonly": bool, "path_id": str|None,
    "body": str}} for create, confirm and retrieve."""
    import psycopg

    pg = backend._cluster(workdir)
    name = f"capture_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        admin.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
    url = pg.get_uri(name)
    log_path = Path(pg.pgdata) / "log"
    (workdir / "logs").mkdir(exist_ok=True)
    server = tender_server(url, SECRET_KEY, PUBLISHABLE_KEY, workdir / "logs" / "pgcapture.log")
    bodies: dict[str, str] = {}
    try:
        server.start()
        auth = {"Authorization": f"Bearer {SECRET_KEY}"}

        def mark(label: str) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"SELECT 'bench-mark {label}'")

        def send(method: str, path: str, form: dict[str, str] | None = None) -> str:
            data = urllib.parse.urlencode(form).encode() if form is not None else None
            request = urllib.request.Request(server.url + path, data=data, method=method, headers=auth)
            with urllib.request.urlopen(request, timeout=30) as r:
                return str(r.read().decode())

        send("GET", "/v1/payment_intents?limit=1")  # warm: API key cached, pool connections open
        time.sleep(0.3)
        start = log_path.stat().st_size
        mark("create")
        bodies["create"] = send("POST", "/v1/payment_intents", probe.CREATE)
        created = json.loads(bodies["create"])["id"]
        mark("confirm")
        bodies["confirm"] = send("POST", "/v1/payment_intents", probe.CONFIRM)
        mark("retrieve")
        bodies["retrieve"] = send("GET", f"/v1/payment_intents/{created}")
        mark("end")
        time.sleep(0.3)
    finally:
        server.stop()
        with psycopg.connect(pg.get_uri(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with open(log_path, errors="replace") as f:
        f.seek(start)
        records = _records(f.read())

    out: dict[str, Any] = {}
    current: str | None = None
    last_statement: dict[int, dict[str, Any]] = {}
    # Per scenario, per backend session: its statements in order, transactions split later.
    sessions: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        text, pid = record["text"], record["pid"]
        m = _STATEMENT.match(text) if record["level"] == "LOG" else None
        if m and "bench-mark" in m.group("sql"):
            label = m.group("sql").split("bench-mark ", 1)[1].rstrip("'")
            if current is not None:
                out[current]["sessions"] = sessions
            current = None if label == "end" else label
            sessions = {}
            if current:
                out[current] = {"statements": [], "warnings": []}
            continue
        if current is None:
            continue
        if m:
            statement = {"sql": m.group("sql"), "params": []}
            out[current]["statements"].append(" ".join(statement["sql"].split()))
            sessions.setdefault(pid, []).append(statement)
            last_statement[pid] = statement
        elif record["level"] == "DETAIL" and text.startswith("parameters: ") and pid in last_statement:
            last_statement[pid]["params"] = _params(text)
        elif record["level"] == "WARNING":
            out[current]["warnings"].append(text)

    for scenario, found in out.items():
        replay: list[list[Any]] = []
        readonly = False
        for statements in found.pop("sessions", {}).values():
            transaction: list[dict[str, Any]] = []
            for statement in [*statements, {"sql": "COMMIT", "params": []}]:
                sql = statement["sql"]
                if re.match(r"^\s*(COMMIT|ROLLBACK|END)\b", sql, re.I):
                    if any("objects" in s["sql"] for s in transaction):
                        replay += [[s["sql"], s["params"]] for s in transaction if not CONTROL.match(s["sql"])]
                        readonly = readonly or any("READ ONLY" in s["sql"].upper() for s in transaction)
                    transaction = []
                else:
                    transaction.append(statement)
        found["replay"] = replay
        found["readonly"] = readonly
        found["path_id"] = created if scenario == "retrieve" else None
        found["body"] = bodies[scenario]
    return out


def summary(found: dict[str, Any]) -> dict[str, Any]:
    """For the JSON results: what tender sent per request, without parameters."""
    return {scenario: {
        "sent": len(f["statements"]),
        "replayed_by_baseline": len(f["replay"]),
        "server_warnings": sorted(set(f["warnings"])),
        "statements": f["statements"],
    } for scenario, f in found.items()}


def render(found: dict[str, Any]) -> str:
    lines = []
    for scenario, f in found.items():
        lines.append(f"{scenario}: tender sent {len(f['statements'])} statements; the asyncpg baseline"
                     f" replays {len(f['replay'])} of them in one transaction"
                     f"{' (REPEATABLE READ, READ ONLY)' if f['readonly'] else ''};"
                     f" {len(f['warnings'])} server warnings")
        replayed = {" ".join(sql.split()) for sql, _ in f["replay"]}
        for s in f["statements"]:
            lines.append(f"  {'R' if s in replayed else ' '} {s[:140]}")
        for w in sorted(set(f["warnings"])):
            lines.append(f"    WARNING x{f['warnings'].count(w)}: {w}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pgcapture", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default="/tmp/tender-bench")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    backend = PostgresBackend()
    try:
        print(render(capture(backend, workdir)))
    finally:
        backend.close()


if __name__ == "__main__":
    main()
