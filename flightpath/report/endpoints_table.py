"""The terminal table of `flightpath endpoints` (rows from snapshot.inventory.endpoint_rows).

Fits 100 columns for the bundled labs: account and region (the same for most rows) are shown once per
group in the title when every row shares them, network and subnet by their display ids; `--wide` shows
every column in full. Ids are never cut (no_wrap); the snapshot's warnings follow the table.
"""

from __future__ import annotations

from typing import Any


def _short(value: str) -> str:
    """An ARM id by its name; `vnet/subnet` for Azure subnets; an AWS id with its name as the name alone."""
    text, _, name = value.partition(" (")
    name = name.rstrip(")")
    parts = text.rstrip("/").split("/")
    low = [p.lower() for p in parts]
    if "subnets" in low and "virtualnetworks" in low:
        return f"{parts[low.index('virtualnetworks') + 1]}/{parts[low.index('subnets') + 1]}"
    if len(parts) > 2:
        return parts[-1]
    return name or text


def render_endpoints(rows: list[dict[str, Any]], warnings: list[str] | None = None, wide: bool = False) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(width=10_000 if wide else None, soft_wrap=wide)
    table = Table(title=f"{len(rows)} interfaces" + ("" if wide else " (--wide for every id in full)"),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1), collapse_padding=True)
    if wide:
        cols = ["instance", "name", "interface", "role", "private IPs", "public IPs", "subnet", "network",
                "account", "region"]
    else:
        cols = ["name", "interface", "role", "private IPs", "public IPs", "subnet", "region"]
    for col in cols:
        table.add_column(col, no_wrap=True)
    for r in rows:
        if wide:
            table.add_row(r["instance"], r["name"], r["interface"], r["role"], ", ".join(r["private_ips"]),
                          ", ".join(r["public_ips"]), r["subnet"], r["network"], r["account"], r["region"])
        else:
            table.add_row(r["name"] or _short(r["instance"]), _short(r["interface"]), r["role"].split(" ", 1)[0],
                          ", ".join(r["private_ips"]), ", ".join(r["public_ips"]), _short(r["subnet"]), r["region"])
    console.print(table)
    for w in warnings or []:
        console.print(f"warning: {w}", style="yellow", markup=False, highlight=False, soft_wrap=wide)
