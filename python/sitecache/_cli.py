"""The ``sitecache`` console script of an installed wheel: runs the packaged command.

The wheel carries the C++ command in ``sitecache/bin`` and the backend plugins in
``sitecache/plugins``; the command finds the plugins through ``$SITECACHE_PLUGIN_PATH``,
to which their directory is appended (a user's own entries keep precedence).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def main() -> None:
    command = _PACKAGE / "bin" / "sitecache"
    if not command.is_file():
        sys.exit("sitecache: the command is not part of this installation "
                 "(it comes with the wheel; in a build tree run <build>/cli/sitecache)")
    plugins = str(_PACKAGE / "plugins")
    path = os.environ.get("SITECACHE_PLUGIN_PATH", "")
    os.environ["SITECACHE_PLUGIN_PATH"] = f"{path}:{plugins}" if path else plugins
    os.execv(command, [str(command), *sys.argv[1:]])
