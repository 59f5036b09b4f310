"""A real multi-build history for the report and progress tests: sitegen (examples/site)
builds a small generated site several times with edits between builds, recording its
builds in an SQLite cache in a temporary directory.

    history = SiteHistory(tmp, sitegen, plugin_dir)
    history.write_pages(120)
    history.build()                   # build 1: every page misses
    history.edit(3)                   # three pages change
    history.build()                   # build 2: three misses, named by explain
"""
import json
import os
import subprocess

# A page name that is markup when pasted into HTML unescaped (no '/': it is a file name).
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


class SiteHistory:
    def __init__(self, tmp, sitegen, plugin_dir):
        self.tmp = tmp
        self.sitegen = sitegen
        self.content = os.path.join(tmp, "content")
        self.posts = os.path.join(self.content, "posts")
        self.config = os.path.join(tmp, "sitecache.toml")
        os.makedirs(self.posts, exist_ok=True)
        with open(self.config, "w") as f:
            f.write('[cache.default]\nbackend = "sqlite"\nlocation = "cache.db"\n'
                    'key_prefix = "report"\n\n[plugins]\npath = [%s]\n'
                    % json.dumps(os.path.abspath(plugin_dir)))
        self.builds = 0

    def page_path(self, i):
        return os.path.join(self.posts, "post-%04d.md" % i)

    def write_page(self, path, title, body, tags=("cache", "report")):
        with open(path, "w") as f:
            f.write('+++\ntitle = %s\ndate = 2024-01-%02d\ntags = %s\n+++\n\n# %s\n\n%s\n'
                    % (json.dumps(title), 1 + len(title) % 28, json.dumps(list(tags)), title,
                       body))

    def write_pages(self, n):
        for i in range(n):
            self.write_page(self.page_path(i), "Post %d" % i, "Text of post %d." % i)
        self.write_page(os.path.join(self.posts, HOSTILE_NAME + ".md"), HOSTILE_NAME,
                        "A page whose name is markup.", tags=(HOSTILE_NAME,))

    def edit(self, count, start=0):
        for i in range(start, start + count):
            with open(self.page_path(i), "a") as f:
                f.write("\nEdited before build %d.\n" % (self.builds + 1))

    def build(self, env=None, stderr=subprocess.PIPE, extra=()):
        """Runs sitegen once; returns the CompletedProcess (stderr captured unless given)."""
        cmd = [self.sitegen, "--content", self.content, "--out", os.path.join(self.tmp, "public"),
               "--config", self.config] + list(extra)
        proc = subprocess.run(cmd, cwd=self.tmp, stdout=subprocess.PIPE, stderr=stderr,
                              env=env, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError("sitegen failed (%d): %s" % (proc.returncode, proc.stderr))
        self.builds += 1
        return proc

    def sitecache_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SITECACHE_")}
        env["SITECACHE_CONFIG"] = self.config
        return env
