"""Failures of a script-style test: each check prints what failed and the run goes on,
so one run reports every problem; the script exits non-zero when any check failed."""


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok, what):
        if not ok:
            self.items.append(what)
            print("FAIL:", what)

    def equal(self, got, want, what):
        self.check(got == want, "%s: got %r, want %r" % (what, got, want))
