"""The Python per-call cost of a memoize hit: the same inputs as bench_memoize's
memoize/hit benchmarks (a file input counted by content, two text fields), memory and
sqlite backends. Prints microseconds per call (best of 5 runs of N calls).

Usage: memoize_hit.py WORK_DIR
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import sitecache

N = 20000


def main() -> int:
    work = pathlib.Path(sys.argv[1])
    work.mkdir(parents=True, exist_ok=True)
    source = work / "page.md"
    source.write_text("# Title\n\n" + "Some text of a page. " * 200)
    html = "x" * (28 * 1024)  # bench_memoize: page28KiB
    (work / "sitecache.toml").write_text(
        '[cache.memory]\nbackend = "memory"\n'
        '[cache.sqlite]\nbackend = "sqlite"\nlocation = "memo.db"\n')
    caches = sitecache.load(str(work / "sitecache.toml"), working_dir=str(work))
    for name in ("memory", "sqlite"):
        cache = caches[name]
        inputs = {"source": source, "title": "A title", "base_url": "https://example.org/"}
        cache.memoize("page", inputs, lambda: html)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(N):
                cache.memoize("page", inputs, lambda: html)
            best = min(best, (time.perf_counter() - start) / N)
        print(f"python memoize hit {name}: {best * 1e6:.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
