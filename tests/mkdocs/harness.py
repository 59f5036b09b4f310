"""Building a corpus with MkDocs, with and without the plugin, and comparing sites.

The plugin is imported from the build tree (``$SITECACHE_PYTHONPATH``, which meson
sets to <build>/python); the ``sitecache`` command is ``$SITECACHE_CLI``. Builds run
in a subprocess of this interpreter (Debian's, which has MkDocs) with a fixed
SOURCE_DATE_EPOCH, so that two builds of one source are byte-identical.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Optional

SOURCE_DATE_EPOCH = "1700000000"


def environment(extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ)
    python_path = os.environ.get("SITECACHE_PYTHONPATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (python_path, env.get("PYTHONPATH")) if p)
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    env.pop("SITECACHE_CONFIG", None)
    env.pop("SITECACHE_DISABLE", None)
    env.update(extra or {})
    return env


@dataclass
class Build:
    returncode: int
    log: str
    seconds: float

    def warnings(self) -> list[str]:
        """MkDocs' warning lines, minus sitecache's own (not counted by --strict)."""
        return [line for line in self.log.splitlines()
                if "WARNING" in line and "sitecache" not in line]

    def info(self) -> list[str]:
        return [line for line in self.log.splitlines() if "sitecache:" in line]


def mkdocs_build(root: str, config: str, site_dir: str, *, strict: bool = False,
                 env: Optional[dict[str, str]] = None) -> Build:
    command = [sys.executable, "-m", "mkdocs", "build", "-f", config, "-d", site_dir]
    if strict:
        command.append("--strict")
    start = time.monotonic()
    done = subprocess.run(command, cwd=root, env=environment(env), capture_output=True,
                          text=True, check=False)
    return Build(done.returncode, done.stdout + done.stderr, time.monotonic() - start)


def sitecache_cli(root: str, *args: str) -> Any:
    """Runs the sitecache command in the project directory; returns its JSON."""
    cli = os.environ["SITECACHE_CLI"]
    done = subprocess.run([cli, *args, "--json"], cwd=root, env=environment(),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"sitecache {' '.join(args)} failed: {done.stderr}")
    return json.loads(done.stdout)


def last_build_steps(root: str) -> dict[str, dict[str, int]]:
    stats = sitecache_cli(root, "stats")
    return stats["caches"][0]["last_build"]["steps"]


def _files(site_dir: str) -> dict[str, str]:
    out = {}
    for directory, _, names in os.walk(site_dir):
        for name in names:
            path = os.path.join(directory, name)
            out[os.path.relpath(path, site_dir)] = path
    return out


def site_differences(expected_dir: str, actual_dir: str, limit: int = 5) -> list[str]:
    """How the site at `actual_dir` differs from `expected_dir`, byte for byte (empty
    when identical), with a short diff of the first differing text files."""
    expected, actual = _files(expected_dir), _files(actual_dir)
    problems = [f"missing: {p}" for p in sorted(expected.keys() - actual.keys())]
    problems += [f"extra: {p}" for p in sorted(actual.keys() - expected.keys())]
    for path in sorted(expected.keys() & actual.keys()):
        with open(expected[path], "rb") as a, open(actual[path], "rb") as b:
            want, got = a.read(), b.read()
        if want == got:
            continue
        problem = f"differs: {path}"
        if len(problems) < limit and not path.endswith(".gz"):
            diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                        got.decode(errors="replace").splitlines(),
                                        "uncached", "cached", n=0, lineterm="")
            problem += "\n" + "\n".join(line[:200] for line in list(diff)[:12])
        problems.append(problem)
    return problems


def small_project(root: str, pages: int = 12) -> dict[str, Any]:
    """A corpus without broken links (release-notes.md exists), so --strict passes."""
    import corpus as corpus_module
    import edits

    corpus = corpus_module.generate(root, pages)
    edits.add_page(root, corpus)
    return corpus


def write_mkdocs_yml(root: str, corpus: dict[str, Any], plugin: Any = "sitecache",
                     **extra: Any) -> None:
    """mkdocs.yml with `plugin` (a name or {name: options}) after search, and `extra`
    settings (also written to plain.yml, which has no sitecache)."""
    import yaml

    import corpus as corpus_module

    for name, with_plugin in (("mkdocs.yml", True), ("plain.yml", False)):
        config = corpus_module.site_config(corpus, False)
        if with_plugin:
            config["plugins"].append(plugin)
        config.update(extra)
        with open(os.path.join(root, name), "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
