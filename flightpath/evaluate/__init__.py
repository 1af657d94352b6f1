"""The hop-by-hop walk of one packet: filter stages, route lookups, gateway steps, `trace()` and the
reply. May import `flightpath.topology`, `flightpath.model`, `flightpath.errors`; nothing above it.
"""

from __future__ import annotations

from flightpath.evaluate.tracing import Query, QueryResult, run_query, trace  # noqa: F401 (re-exported)
