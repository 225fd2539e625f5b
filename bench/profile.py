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


def record(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    argv = [exe, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "-f", "raw",
            "--threads", "-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _short(frame: str) -> str:
    """`handle (tender/api/endpoint.py:171)` → `tender/api/endpoint.py:handle`."""
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{m.group('func')}"


def summarise(raw_path: Path, top: int = 25) -> dict[str, Any]:
    threads: Counter[str] = Counter()
    self_by_thread: dict[str, Counter[str]] = {}
    incl_by_thread: dict[str, Counter[str]] = {}
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread, frames = frames[0], [_short(f) for f in frames[1:]]
        name = "event loop" if "MainThread" in thread or "main" in thread.lower() else thread
        if "tender-writer" in thread:
            name = "writer"
        total += count
        threads[name] += count
        if frames:
            self_by_thread.setdefault(name, Counter())[frames[-1]] += count
            incl = incl_by_thread.setdefault(name, Counter())
            for f in set(frames):
                incl[f] += count
    return {
        "samples": total,
        "threads": dict(threads.most_common()),
        "self": {t: c.most_common(top) for t, c in self_by_thread.items()},
        "inclusive": {t: c.most_common(top) for t, c in incl_by_thread.items()},
    }


def render(summary: dict[str, Any], top: int = 15) -> str:
    lines = [f"{summary['samples']} samples; by thread: " + ", ".join(
        f"{t} {n}" for t, n in summary["threads"].items())]
    for thread, n in summary["threads"].items():
        lines.append(f"  [{thread}] {n} samples ({100 * n / max(summary['samples'], 1):.0f}%)")
        lines.append("    self:")
        for func, c in summary["self"].get(thread, [])[:top]:
            lines.append(f"      {100 * c / n:5.1f}%  {func}")
        lines.append("    inclusive:")
        for func, c in summary["inclusive"].get(thread, [])[:top]:
            lines.append(f"      {100 * c / n:5.1f}%  {func}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(summarise(Path(sys.argv[1])), int(sys.argv[2]) if len(sys.argv) > 2 else 25))
