"""The terminal table of `flightpath endpoints` (rows from snapshot.inventory.endpoint_rows)."""

from __future__ import annotations

from typing import Any


def render_endpoints(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} interfaces", title_justify="left")
    for col in ("instance", "name", "interface", "role", "private IPs", "public IPs", "subnet", "network",
                "account", "region"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["instance"], r["name"], r["interface"], r["role"], ", ".join(r["private_ips"]),
                      ", ".join(r["public_ips"]), r["subnet"], r["network"], r["account"], r["region"])
    Console().print(table)
