#!/usr/bin/env python3
"""Progress lines of the real programs, on a pseudo-terminal and off one.

sitegen (a build of a generated site) and `sitecache ls`, `gc`, `clear --stale` run with
stderr on a pty (SITECACHE_PROGRESS_DELAY_MS=0, so that even this small work is "long"):
the line appears and is erased at the end. The same commands with stderr on a pipe, or
with --quiet / --json on the pty, write no progress at all: no carriage return, no escape.
"""
import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failures import Failures  # noqa: E402
from site_history import SiteHistory  # noqa: E402

ERASE = b"\r\x1b[K"


def run_on_pty(cmd, env, cwd):
    """Runs cmd with stderr on a new pty (200 columns); returns (exit, stdout, pty bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the pty
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        code = proc.wait(timeout=300)
        out.seek(0)
        return code, out.read(), seen


def run_on_pipe(cmd, env, cwd):
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def shows_progress(failures, name, seen, label):
    failures.check(label in seen, "%s: the progress line %r on the terminal, got %r"
                   % (name, label, seen[:300]))
    # Erased when done: nothing of the line follows its last erase.
    last = seen.rfind(ERASE)
    failures.check(last >= 0 and label not in seen[last:],
                   "%s: the line is erased at the end, got %r" % (name, seen[-300:]))


def shows_none(failures, name, text):
    failures.check(b"\r" not in text and b"\x1b" not in text,
                   "%s: no progress, got %r" % (name, text[:300]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sitecache", required=True)
    ap.add_argument("--sitegen", required=True)
    ap.add_argument("--plugin-dir", required=True)
    args = ap.parse_args()
    # meson passes built programs relative to the build directory; the tests run them
    # from temporary directories.
    args.sitecache, args.sitegen, args.plugin_dir = (
        os.path.abspath(p) for p in (args.sitecache, args.sitegen, args.plugin_dir))
    failures = Failures()
    with tempfile.TemporaryDirectory(prefix="tty-progress-") as tmp:
        history = SiteHistory(tmp, args.sitegen, args.plugin_dir)
        history.write_pages(150)
        env = history.sitecache_env()
        env["SITECACHE_PROGRESS_DELAY_MS"] = "0"
        sitegen = [args.sitegen, "--content", history.content, "--out",
                   os.path.join(tmp, "public"), "--config", history.config]

        code, out, seen = run_on_pty(sitegen, env, tmp)
        failures.check(code == 0, "sitegen on a pty: exit %d" % code)
        shows_progress(failures, "sitegen", seen, b"sitegen: ")
        failures.check(b"/151 " in seen or b"/150 " in seen,
                       "sitegen: pages done of the total, got %r" % seen[:300])
        shows_none(failures, "sitegen stdout", out)

        history.edit(5)
        code, out, err = run_on_pipe(sitegen, env, tmp)
        failures.check(code == 0, "sitegen on a pipe: exit %d" % code)
        shows_none(failures, "sitegen, stderr a pipe", err)
        shows_none(failures, "sitegen stdout", out)

        history.edit(5)
        code, out, seen = run_on_pty(sitegen + ["--quiet"], env, tmp)
        failures.check(code == 0, "sitegen --quiet: exit %d" % code)
        shows_none(failures, "sitegen --quiet on a pty", seen)

        sitecache = [args.sitecache]
        for verb, label in ((["ls"], b"listing default"),
                            (["gc", "--dry-run"], b"examining default"),
                            (["clear", "--stale", "--dry-run"], b"examining default"),
                            (["report", "--out", "r.html"], b"reading default")):
            name = "sitecache " + " ".join(verb)
            code, out, seen = run_on_pty(sitecache + verb, env, tmp)
            failures.check(code == 0, "%s on a pty: exit %d" % (name, code))
            shows_progress(failures, name, seen, label)
            shows_none(failures, name + " stdout", out)
            code, out, err = run_on_pipe(sitecache + verb, env, tmp)
            failures.check(code == 0, "%s on a pipe: exit %d" % (name, code))
            shows_none(failures, name + ", stderr a pipe", err)
            if verb[0] != "report":
                code, out, seen = run_on_pty(sitecache + verb + ["--json"], env, tmp)
                failures.check(code == 0, "%s --json: exit %d" % (name, code))
                shows_none(failures, name + " --json on a pty", seen)

    if failures.items:
        print("%d failures" % len(failures.items))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
