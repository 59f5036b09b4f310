"""Runs one `mkdocs build` in this process under cProfile and prints where the time went
(JSON on stdout): Markdown, theme templates, plugin events, file writes and copies, and
sitecache's own lookups. A function's cumulative time counts each call once, so the
parts overlap only as nested (e.g. sitecache's lookups sit inside Markdown and templates).

Usage: build_profile.py CONFIG_FILE SITE_DIR
"""

from __future__ import annotations

import cProfile
import json
import logging
import pstats
import sys
import time

from mkdocs.commands.build import build
from mkdocs.config import load_config

# (part, file suffix, function name): the part's time is the sum of the listed
# functions' cumulative times.
PARTS = [
    ("markdown", "mkdocs/commands/build.py", "_populate_page"),
    ("templates", "mkdocs/commands/build.py", "_build_page"),
    ("template_render", "jinja2/environment.py", "render"),
    ("plugin_events", "mkdocs/plugins.py", "run_event"),
    ("writes", "mkdocs/utils/__init__.py", "write_file"),
    ("copies", "mkdocs/utils/__init__.py", "copy_file"),
    ("sitecache_memoize", "sitecache/_cache.py", "memoize"),
    ("sitecache_markdown_hook", "sitecache/mkdocs/markdown_step.py", "_render"),
    ("sitecache_page_hook", "sitecache/mkdocs/page_step.py", "render"),
    ("sitecache_events", "sitecache/mkdocs/plugin.py", "on_env"),
    ("real_markdown_render", "mkdocs/structure/pages.py", "render"),
]


def main() -> int:
    config_file, site_dir = sys.argv[1], sys.argv[2]
    # As `mkdocs build` sets it up (the plugin's Markdown key holds the log level).
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.setLevel(1)
    logger.propagate = False
    profile = cProfile.Profile()
    start = time.monotonic()
    profile.enable()
    config = load_config(config_file=config_file, site_dir=site_dir)
    build(config)
    profile.disable()
    wall = time.monotonic() - start
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = sum(tt for (_, _, tt, _, _) in stats.values())
    out = {"wall_s": round(wall, 2), "profiled_s": round(total, 2)}
    for part, suffix, name in PARTS:
        out[part] = round(sum(v[3] for (f, _, n), v in stats.items()
                              if n == name and f.endswith(suffix)), 2)
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
