"""`--format html`: one self-contained HTML file (inline CSS and SVG, no script, no external fetch) with
the verdict, an SVG diagram of the path (report/diagram.py) and the hop tables."""

from __future__ import annotations

import html

from flightpath.evaluate.tracing import QueryResult
from flightpath.model import PathResult
from flightpath.report.diagram import network_finder, svg
from flightpath.report.markdown import hop_detail
from flightpath.report.names import display_id
from flightpath.snapshot.cache import SnapshotInfo

CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#eef}
tr.blocking td{background:#fdd;font-weight:bold}code{font-family:monospace}.verdict{font-size:1.3em}
.diagram{overflow-x:auto;border:1px solid #ccd;padding:4px}.warn{color:#850}"""


def _table(title: str, p: PathResult) -> str:
    rows = []
    for i, h in enumerate(p.hops, 1):
        cls = ' class="blocking"' if h.blocking else ""
        rows.append(f"<tr{cls}><td>{i}</td><td><code>{html.escape(display_id(h.resource))}</code> "
                    f"{html.escape(h.resource.name)}</td><td>{html.escape(h.check.value)}</td>"
                    f"<td>{html.escape(h.decision.value)}</td><td>{html.escape(hop_detail(h))}</td>"
                    f"<td>{html.escape(h.reason)}</td><td>{html.escape(h.code)}</td></tr>")
    return (f"<h2>{html.escape(title)}: {html.escape(p.verdict.value)}</h2><p>{html.escape(p.reason)}</p>"
            "<table><thead><tr><th>#</th><th>resource</th><th>check</th><th>decision</th><th>rule / route</th>"
            f"<th>reason</th><th>code</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def render_html(result: QueryResult, info: SnapshotInfo, fixes: list[str] | None = None, estate=None) -> str:
    t = result.trace
    title = f"flightpath: {result.query.src} → {result.query.dst}"
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             f"<p>resolved: <code>{html.escape(result.source.label)}</code> → "
             f"<code>{html.escape(result.destination.label)}</code></p>",
             f"<p><code>{html.escape(t.flow.describe())}</code></p>",
             f"<p class=\"verdict\">verdict: <strong>{html.escape(t.verdict.value)}</strong>"
             f"{'' if t.reachable else ' (not reachable)'}</p>"]
    if t.first_block is not None:
        b = t.first_block
        parts.append(f"<p>blocked by: {html.escape(b.resource.type)} <code>{html.escape(display_id(b.resource))}</code> "
                     f"{html.escape(hop_detail(b) or b.reason)} {html.escape(b.code)}</p>")
    finder = network_finder(estate) if estate is not None else None
    parts.append(f'<div class="diagram">{svg(t.forward, t.reply, finder)}</div>')
    parts.append(_table("Forward path", t.forward))
    if t.reply is not None:
        parts.append(_table("Return path", t.reply))
    warnings = list(dict.fromkeys(list(t.warnings) + [f"snapshot: {w}" for w in info.warnings]))
    if warnings:
        parts.append("<h2>Warnings</h2><ul class=\"warn\">" + "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
                     + "</ul>")
    if fixes:
        parts.append("<h2>Fixes</h2><pre>" + html.escape("\n".join(fixes)) + "</pre>")
    parts.append(f"<p><small>snapshot {html.escape(info.path)} · sha256 {html.escape(info.sha256)}</small></p>")
    parts.append("</body></html>\n")
    return "".join(parts)
