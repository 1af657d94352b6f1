"""`flightpath collect <cloud>` and `flightpath permissions <cloud>`: the shared typer sub-apps and the
progress reporters. Each cloud's commands live in `collect_<cloud>.py` and register on these apps.

Importing this module imports no SDK: each collector's `fetch` module (the only SDK import) is imported
inside its command. Errors are raised as FlightpathError subclasses; cli/app.py turns them into one line
and an exit code. A collection with failed calls still writes the snapshot and exits 3. Progress and the
summary go to stderr, so stdout stays clean.
"""

from __future__ import annotations

import typer

collect_app = typer.Typer(help="Collect a live estate into a snapshot folder.", no_args_is_help=True)
permissions_app = typer.Typer(help="Print the minimal permissions a collector needs.", no_args_is_help=True)


@collect_app.callback()
def _collect() -> None:
    """Collect a live estate into a snapshot folder."""


@permissions_app.callback()
def _permissions() -> None:
    """Print the minimal permissions a collector needs."""


class PlainReporter:
    """Log lines on stderr: one per failed call and one per finished account/region."""

    def __init__(self, cloud: str = "aws") -> None:
        self.cloud = cloud

    def planned(self, n: int) -> None:
        pass

    def done(self, label: str, failure: str | None) -> None:
        if failure:
            typer.echo(f"{self.cloud} {label} failed: {failure}", err=True)

    def scope_done(self, scope: str, calls: int, failed: int) -> None:
        typer.echo(f"{self.cloud} {scope}: {calls} calls, {failed} failed", err=True)

    def message(self, text: str) -> None:
        typer.echo(text, err=True)


class RichReporter:
    """A progress bar over every queued call (accounts x regions x calls); failures print above it."""

    def __init__(self, cloud: str = "aws") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn(f"collect {cloud}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.description}"),
                                 console=Console(stderr=True), transient=True)
        self.task = self.progress.add_task("", total=0)
        self.cloud = cloud

    def __enter__(self) -> "RichReporter":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def planned(self, n: int) -> None:
        total = self.progress.tasks[0].total or 0
        self.progress.update(self.task, total=total + n)

    def done(self, label: str, failure: str | None) -> None:
        self.progress.update(self.task, advance=1, description=label)
        if failure:
            self.progress.console.print(f"{self.cloud} {label} failed: {failure}", markup=False, highlight=False)

    def scope_done(self, scope: str, calls: int, failed: int) -> None:
        pass

    def message(self, text: str) -> None:
        self.progress.console.print(text, markup=False, highlight=False)


def run_collection(collect, options, cloud: str, out, quiet: bool) -> None:
    """Run a collector's `collect(options[, reporter])` with the progress view that fits (none with
    --quiet, a bar on a terminal, log lines otherwise), print its summary lines on stderr, and exit 3
    when calls failed (the snapshot is written either way). For collectors whose summary has `lines()`."""
    import sys

    if quiet:
        summary = collect(options)
    elif sys.stderr.isatty():
        with RichReporter(cloud) as reporter:
            summary = collect(options, reporter)
    else:
        summary = collect(options, PlainReporter(cloud))
    if not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)
    elif summary.failed:
        typer.echo(f"{summary.failed} calls failed; see {out / 'manifest.json'}", err=True)
    if summary.failed:
        raise typer.Exit(3)
