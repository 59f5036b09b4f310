"""Cache.stats(): the per-cache object of ``sitecache stats --json`` (docs/json.md).

Built from the same two sources the command reads (the backend's report and the newest
build records) and with the same field names and values; tests/python compares the two.
"""

from __future__ import annotations

from typing import Any, Optional

from . import _core
from ._errors import Error

__all__ = ["cache_stats"]

_STEP_FIELDS = ("hits", "misses", "saved_us", "render_us")
_REPORT_FIELDS = ("entries", "bytes", "max_entries", "max_bytes", "evictions")


def _ratio(hits: int, misses: int) -> Optional[float]:
    return None if hits + misses == 0 else hits / (hits + misses)


def _steps(steps: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        name: {
            "hits": s["hits"],
            "misses": s["misses"],
            "hit_ratio": _ratio(s["hits"], s["misses"]),
            "saved_us": s["saved_us"],
            "render_us": s["render_us"],
        }
        for name, s in steps.items()
    }


def _build(record: dict[str, Any], with_steps: bool) -> dict[str, Any]:
    out = {
        "generation": record["generation"],
        "started_ms": record["started_ms"],
        "ended_ms": record["ended_ms"],
        "duration_ms": record["ended_ms"] - record["started_ms"],
        "hits": record["hits"],
        "misses": record["misses"],
        "hit_ratio": _ratio(record["hits"], record["misses"]),
        "errors": record["errors"],
        "rejected": record["rejected"],
        "saved_us": record["saved_us"],
        "render_us": record["render_us"],
        "bytes_read": record["bytes_read"],
        "bytes_written": record["bytes_written"],
    }
    if with_steps:
        out["steps"] = _steps(record["steps"])
    return out


def _recent(records: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {"builds": len(records), "hits": 0, "misses": 0, "errors": 0, "rejected": 0,
              "saved_us": 0, "render_us": 0}
    steps: dict[str, dict[str, int]] = {}
    for record in records:
        for field in ("hits", "misses", "errors", "rejected", "saved_us", "render_us"):
            totals[field] += record[field]
        for name, step in record["steps"].items():
            total = steps.setdefault(name, dict.fromkeys(_STEP_FIELDS, 0))
            for field in _STEP_FIELDS:
                total[field] += step[field]
    return {
        "builds": totals["builds"],
        "hits": totals["hits"],
        "misses": totals["misses"],
        "hit_ratio": _ratio(totals["hits"], totals["misses"]),
        "errors": totals["errors"],
        "rejected": totals["rejected"],
        "saved_us": totals["saved_us"],
        "render_us": totals["render_us"],
        "steps": _steps(dict(sorted(steps.items()))),
        "history": [_build(record, False) for record in records],
    }


def cache_stats(native: "_core.Cache", builds: int) -> dict[str, Any]:
    """The stats of one cache; ``builds`` recent build records are summed up."""
    if not 1 <= builds <= 30:
        raise ValueError("builds must be from 1 to 30 (the records a cache keeps)")
    settings = native.settings
    out: dict[str, Any] = {
        "name": settings["name"],
        "backend": settings["backend"],
        "location": settings["location"],
        "key_prefix": settings["key_prefix"],
        "version": settings["version"],
    }
    problem: Optional[Error] = None
    report: Optional[dict[str, Any]] = None
    records: list[dict[str, Any]] = []
    try:
        report = native.backend_report()
        records = native.build_records(builds)
    except Error as error:
        problem = error
    out["plugin"] = report["plugin"] if report else None
    for field in _REPORT_FIELDS:
        out[field] = report[field] if report else None
    out["error"] = None if problem is None else problem.message
    out["last_build"] = _build(records[0], True) if records else None
    out["recent"] = _recent(records)
    return out
