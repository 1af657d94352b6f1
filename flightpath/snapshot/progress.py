"""What every live collector shares (no SDK): the progress interface and the output-folder check."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flightpath.errors import CollectorError
from flightpath.snapshot import MANIFEST


class Reporter(Protocol):
    """Progress sink. Called from the collector's main thread only."""

    def planned(self, n: int) -> None:
        """n more calls were queued."""

    def done(self, label: str, failure: str | None) -> None:
        """One call finished; failure is "Code: message" when it failed."""

    def scope_done(self, scope: str, calls: int, failed: int) -> None:
        """Every call of an account/region (or account) finished."""

    def message(self, text: str) -> None:
        """A note for the user."""


class NullReporter:
    def planned(self, n: int) -> None:
        pass

    def done(self, label: str, failure: str | None) -> None:
        pass

    def scope_done(self, scope: str, calls: int, failed: int) -> None:
        pass

    def message(self, text: str) -> None:
        pass


def check_output_folder(out: Path) -> None:
    """The output folder is replaced as a whole: refuse one that holds something other than a snapshot."""
    if out.exists() and not out.is_dir():
        raise CollectorError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise CollectorError(f"{out}: folder is not empty and is not a flightpath snapshot; "
                             "choose a new folder (it would be replaced)")
