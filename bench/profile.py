"""py-spy sampling of a running tender, and a summary of its collapsed stacks.

    py-spy record -p PID -d SECONDS -r 100 -f raw --threads -o FILE

`-f raw` writes one line per distinct stack: `frame;frame;...;frame COUNT`, outermost
first, each frame `function (file:line)`; with `--threads` the first frame names the
thread.  `summarise` gives, per thread, the functions that hold the most samples
themselves (self) and that are on the stack most often (inclusive).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(pid: int, seconds: int, out: Path, idle: bool = False) -> subprocess.Popen[bytes]:
    """Sample for `seconds`.  With `idle`, threads waiting (for the GIL, in fsync, on a
    queue) are sampled too: the wall-clock view of where a request's time goes."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    argv = [exe, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "-f", "raw",
            "--threads", "-o", str(out)] + (["--idle"] if idle else [])
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# uvloop's C event loop shows up as its Python caller: time spent there is socket reads
# and writes, epoll and callback dispatch, not Python code of asyncio.
_RENAME = {"asyncio/runners.py:Runner.run": "uvloop (C: sockets, epoll, callbacks)"}


def _parse(frame: str) -> tuple[str, str]:
    """`handle (tender/api/endpoint.py:171)` → (`tender/api/endpoint.py:handle`, `…:171 handle`)."""
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip(), frame.strip()
    path = m.group("file")
    for marker in ("/src/", "/site-packages/", "/lib/python3.11/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    func = f"{path}:{m.group('func')}"
    func = _RENAME.get(func, func)
    line = f"{path}:{m.group('line')} {m.group('func')}" if m.group("line") else func
    return func, _RENAME.get(f"{path}:{m.group('func')}", line)


def _thread_name(root: str) -> str:
    if "MainThread" in root:
        return "event loop"
    if "tender-writer" in root:
        return "writer"
    return root.split(":", 1)[-1].strip() or root


def summarise(raw_path: Path, top: int = 25) -> dict[str, Any]:
    """Per thread: samples, the lines holding the most samples (self), and the tender
    functions on the stack most often (inclusive)."""
    threads: Counter[str] = Counter()
    self_by_thread: dict[str, Counter[str]] = {}
    incl_by_thread: dict[str, Counter[str]] = {}
    total = 0
    for text in raw_path.read_text().splitlines():
        stack, _, count_text = text.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        parts = stack.split(";")
        name = _thread_name(parts[0])
        frames = [_parse(f) for f in parts[1:]]
        total += count
        threads[name] += count
        if not frames:
            continue
        self_by_thread.setdefault(name, Counter())[frames[-1][1]] += count
        incl = incl_by_thread.setdefault(name, Counter())
        for func in {f for f, _ in frames if f.startswith(("tender/", "uvicorn/protocols"))}:
            incl[func] += count
    return {
        "samples": total,
        "threads": dict(threads.most_common()),
        "self": {t: c.most_common(top) for t, c in self_by_thread.items()},
        "inclusive": {t: c.most_common(top) for t, c in incl_by_thread.items()},
    }


def render(summary: dict[str, Any], top: int = 15) -> str:
    lines = [f"{summary['samples']} samples at 100 Hz; by thread: " + ", ".join(
        f"{t} {n}" for t, n in summary["threads"].items())]
    for thread, n in summary["threads"].items():
        lines.append(f"[{thread}] {n} samples ({100 * n / max(summary['samples'], 1):.0f}%)")
        lines.append("  self (where the samples were, by line):")
        for func, c in summary["self"].get(thread, [])[:top]:
            lines.append(f"    {100 * c / n:5.1f}%  {func}")
        if summary["inclusive"].get(thread):
            lines.append("  inclusive (tender functions on the stack):")
            for func, c in summary["inclusive"][thread][:top]:
                lines.append(f"    {100 * c / n:5.1f}%  {func}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(summarise(Path(sys.argv[1])), int(sys.argv[2]) if len(sys.argv) > 2 else 25))
