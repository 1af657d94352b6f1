"""Run the CLI in this process (flightpath.cli.app.run): exit code, stdout and stderr, no subprocess."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(*args: str) -> Result:
    from flightpath.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = run([str(a) for a in args])
        except SystemExit as exc:  # click may still exit for --help-like paths
            code = exc.code if isinstance(exc.code, int) else 2
    return Result(code, out.getvalue(), err.getvalue())


def one_line_error(r: Result, *needles: str) -> None:
    assert r.code == 2, (r.code, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("flightpath: error: "), r.err
    for n in needles:
        assert n in lines[0], (n, lines[0])
