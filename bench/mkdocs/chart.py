"""Draws the build times of bench/mkdocs/run.sh (times.txt) as a bar chart (SVG).

Usage: chart.py TIMES_TXT OUT_SVG PAGES
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    times: dict[str, float] = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    times[parts[0]] = float(parts[1])
                except ValueError:
                    pass
    groups = [("cold", "plain", "plugin-cold"), ("nothing changed", "plain", "plugin-warm"),
              ("one page edited", "plain-edit", "plugin-edit")]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.38
    for i, (label, without, with_plugin) in enumerate(groups):
        for offset, key, colour, name in ((-width / 2, without, "#9e9e9e", "without plugin"),
                                          (width / 2, with_plugin, "#3f51b5", "with sitecache")):
            value = times.get(key)
            if value is None:
                continue
            ax.bar(i + offset, value, width, color=colour, label=name if i == 0 else None)
            ax.text(i + offset, value, f"{value:.1f} s", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(groups)), [g[0] for g in groups])
    ax.set_ylabel("mkdocs build (s)")
    ax.set_title(f"MkDocs + Material, {sys.argv[3]} pages, 2 cores")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend above the bars
    ax.legend(frameon=False, loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
