"""What a user reads: the JSON report v1 (+ its JSON Schema), the markdown view, the rich terminal view.

May import every stage below it (evaluate, topology, snapshot, model); rich is imported only by the views.
"""

from __future__ import annotations

from flightpath.report.json_report import SCHEMA_ID, build_report, schema  # noqa: F401 (re-exported)
from flightpath.report.markdown import markdown  # noqa: F401 (re-exported)
