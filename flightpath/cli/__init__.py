"""The `flightpath` command: the typer app (the only place errors become exit codes) and the collect
commands. May import every stage; `flightpath --help` imports none of the heavy ones.
"""

from __future__ import annotations

from flightpath.cli.app import app, main  # noqa: F401 (re-exported: the console script is flightpath.cli:main)
