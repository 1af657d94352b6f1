"""The terminal table of `flightpath endpoints` (rows from snapshot.inventory.endpoint_rows).

Fits 100 columns for the bundled labs: one table per cloud/account/region (those go to its title), the
subnet by its name (Azure `vnet/subnet`), the role by its first word; an interface id too long to fit
(an OCI OCID) says `(--wide)` instead of being cut. `--wide` shows every column in full, one table.
The snapshot's warnings follow the table.
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


MAX_ID = 28  # an interface id longer than this (an OCI OCID) is left to --wide rather than cut


def render_endpoints(rows: list[dict[str, Any]], warnings: list[str] | None = None, wide: bool = False) -> None:
    from rich import box
    from rich.console import Console, Group
    from rich.table import Table

    console = Console(width=10_000 if wide else None, soft_wrap=wide)

    def table(title: str, cols: list[str]) -> Table:
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  padding=(0, 1), collapse_padding=True)
        for col in cols:
            t.add_column(col, no_wrap=True)
        return t

    if wide:
        t = table(f"{len(rows)} interfaces", ["instance", "name", "interface", "role", "private IPs", "public IPs",
                                              "subnet", "network", "account", "region"])
        for r in rows:
            t.add_row(r["instance"], r["name"], r["interface"], r["role"], ", ".join(r["private_ips"]),
                      ", ".join(r["public_ips"]), r["subnet"], r["network"], r["account"], r["region"])
        parts = [t]
    else:
        # one table per cloud / account / region: the shared columns go to the title
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault((r.get("cloud", ""), r["account"], r["region"]), []).append(r)
        parts = []
        for (cloud, account, region), members in groups.items():
            t = table(f"{cloud} · {account} · {region} ({len(members)} interfaces)",
                      ["name", "interface", "role", "private IPs", "public IPs", "subnet"])
            for r in members:
                iface = _short(r["interface"])
                t.add_row(r["name"] or _short(r["instance"]), iface if len(iface) <= MAX_ID else "(--wide)",
                          r["role"].split(" ", 1)[0], ", ".join(r["private_ips"]), ", ".join(r["public_ips"]),
                          _short(r["subnet"]))
            parts.append(t)
    console.print(Group(*parts))
    for w in warnings or []:
        console.print(f"warning: {w}", style="yellow", markup=False, highlight=False, soft_wrap=wide)
