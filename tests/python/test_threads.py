"""The GIL is released while the library waits, hashes files and talks to the backend.

Each test makes a thread block inside the library until the main thread has run Python
code: with the GIL held there, the main thread could never run and the test would hang.
So every scenario runs in a child interpreter that is killed (and the test failed) if
it does not finish in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import sitecache

TIMEOUT = 60


def run_scenario(code: str, tmp_path) -> str:
    script = textwrap.dedent(code)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(sitecache.__file__)))
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                              text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("a thread held the GIL while blocked in the library (deadlock)")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_file_hashing_runs_without_the_gil(tmp_path) -> None:
    # Opening a FIFO blocks until a writer opens it: the writer is the main thread.
    out = run_scenario("""
        import os, pathlib, threading, sitecache
        os.mkfifo("source.md")
        cache = sitecache.load()["default"]
        result = {}
        def memoize():
            result["html"] = cache.memoize("page", {"source": pathlib.Path("source.md")},
                                           lambda: "rendered")
        thread = threading.Thread(target=memoize)
        thread.start()
        with open("source.md", "wb") as fifo:   # runs while the thread is in open()/read()
            fifo.write(b"# Title\\n")
        thread.join()
        print(result["html"].decode())
    """, tmp_path)
    assert out.strip() == "rendered"


def test_waiting_for_another_threads_render_runs_without_the_gil(tmp_path) -> None:
    # The second caller of a key waits inside the library for the first one's render,
    # which cannot finish before the main thread says so.
    out = run_scenario("""
        import threading, time, sitecache
        cache = sitecache.load()["default"]
        started, release = threading.Event(), threading.Event()
        calls, results = [], []
        def render():
            calls.append(1)
            started.set()
            release.wait()
            return "page"
        def memoize():
            results.append(cache.memoize("page", {"k": 1}, render))
        first = threading.Thread(target=memoize)
        first.start()
        started.wait()
        second = threading.Thread(target=memoize)
        second.start()
        time.sleep(0.3)          # the second thread is now waiting inside memoize
        release.set()            # needs the GIL: the waiting thread must not hold it
        first.join(); second.join()
        print(len(calls), results)
    """, tmp_path)
    assert out.strip() == "1 [b'page', b'page']"


def test_backend_io_runs_without_the_gil(tmp_path) -> None:
    # A write waits for SQLite's lock, which a child process holds until the main thread
    # tells it to commit. (A child, not Python's sqlite3 in this process: the plugin links
    # its own SQLite, and two SQLite copies in one process do not see each other's POSIX
    # locks.)
    out = run_scenario("""
        import subprocess, sys, threading, time, sitecache
        with open("sitecache.toml", "w") as f:
            f.write('[cache.default]\\nbackend = "sqlite"\\nlocation = "cache.db"\\n'
                    '[cache.default.options]\\nbusy_timeout_ms = 20000\\n')
        cache = sitecache.load()["default"]
        cache.set("k", "old")
        holder = subprocess.Popen([sys.executable, "-c",
            "import sqlite3, sys\\n"
            "lock = sqlite3.connect('cache.db', isolation_level=None)\\n"
            "lock.execute('BEGIN EXCLUSIVE')\\n"
            "print('locked', flush=True)\\n"
            "sys.stdin.readline()\\n"
            "lock.execute('COMMIT')\\n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
        done = {}
        def write():
            cache.set("k", "new")
            done["at"] = time.monotonic()
        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.5)          # the thread waits for the lock inside the backend
        committed = time.monotonic()
        holder.stdin.write("commit\\n"); holder.stdin.flush()   # needs the GIL
        holder.wait()
        thread.join()
        print(cache.get("k").decode(), done["at"] >= committed)
    """, tmp_path)
    assert out.split() == ["new", "True"]
