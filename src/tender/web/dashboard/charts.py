"""The home page's numbers and their SVG: volume and count per day, succeeded vs
declined charges, top decline codes — drawn on the server, no script, no CDN."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tender.core import clock
from tender.store.base import ListQuery

MAX_ROWS = 20_000  # charges looked at; the page says so when it stops early


@dataclass
class Day:
    label: str
    volume: dict[str, int]  # currency → succeeded amount
    count: int


def summarise(tx: Any, days: int) -> dict[str, Any]:
    today = datetime.datetime.fromtimestamp(clock.now(), datetime.UTC).date()
    first = today - datetime.timedelta(days=days - 1)
    start = int(datetime.datetime.combine(first, datetime.time(), datetime.UTC).timestamp())
    rows, truncated = tx.list(
        ListQuery(account=tx.account, type="charge", limit=MAX_ROWS, created={"gte": start})
    )
    by_day = {first + datetime.timedelta(days=i): Day((first + datetime.timedelta(days=i)).isoformat(), {}, 0)
              for i in range(days)}
    outcomes: Counter[str] = Counter()
    declines: Counter[str] = Counter()
    for row in rows:
        charge = row.doc
        day = datetime.datetime.fromtimestamp(charge["created"], datetime.UTC).date()
        if charge["status"] == "succeeded":
            outcomes["succeeded"] += 1
            bucket = by_day.get(day)
            if bucket is not None:
                bucket.count += 1
                bucket.volume[charge["currency"]] = bucket.volume.get(charge["currency"], 0) + charge["amount"]
        elif charge["status"] == "failed":
            outcomes["failed"] += 1
            declines[(charge.get("outcome") or {}).get("reason") or charge.get("failure_code") or "unknown"] += 1
    series = list(by_day.values())
    currency = Counter(c for d in series for c in d.volume).most_common(1)
    main = currency[0][0] if currency else "usd"
    total = outcomes["succeeded"] + outcomes["failed"]
    return {
        "currency": main,
        "volume_svg": bars([d.label[5:] for d in series], [d.volume.get(main, 0) for d in series], "Volume"),
        "count_svg": bars([d.label[5:] for d in series], [d.count for d in series], "Payments"),
        "volume": sum(d.volume.get(main, 0) for d in series),
        "count": sum(d.count for d in series),
        "succeeded": outcomes["succeeded"],
        "failed": outcomes["failed"],
        "success_rate": round(100 * outcomes["succeeded"] / total) if total else None,
        "declines": declines.most_common(5),
        "truncated": truncated,
    }


def bars(labels: list[str], values: list[int], title: str) -> str:
    """A bar chart as an SVG string (values escaped by construction: ints and dates)."""
    width, height, pad = 560, 180, 24
    top = max(values) if values and max(values) > 0 else 1
    step = (width - pad) / max(len(values), 1)
    parts = [
        f'<svg viewBox="0 0 {width} {height + 20}" role="img" aria-label="{title} per day" '
        'class="chart" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (height - pad) * value / top
        x = pad + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" class="bar">'
            f"<title>{label}: {value}</title></rect>"
        )
        if i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height + 14}" class="axis">{label}</text>')
    parts.append(f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" class="baseline"/></svg>')
    return "".join(parts)
