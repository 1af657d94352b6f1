"""One resource described twice: identical copies merge silently, differing ones are an error.

The same resource id can reach a snapshot more than once: two dumps of the same call, two accounts' copies
(AWS RAM-shared subnets and transit gateways, both sides of a VPC peering), two pages of one listing. If
the copies differ, the verdict would depend on which file the normalizer read last, so loading stops with
one line naming the id and both files (DESIGN rule: never a silent pick).

Each collector's `recognize` module says how to find the ids in one of its documents:

    def item_ids(doc: RawDocument) -> Iterable[tuple[str, str, Any]]   # (id, where, item)

and may set `VIEW_KEYS`: fields that legitimately differ between two accounts' views of one resource and
are left out of the comparison (AWS `Tags`: tags are per account on shared resources). Copies that
differ only in those merge with a warning; the first copy in file-name order gives the name.
Per-resource documents (RawDocument.resource_id, e.g. SearchTransitGatewayRoutes/tgw-rtb-1.json) are
compared whole: two different bodies for one resource id are also an error.
"""

from __future__ import annotations

from typing import Any

from flightpath.errors import SnapshotError


def _strip(item: Any, view_keys: frozenset[str]) -> Any:
    if view_keys and isinstance(item, dict) and view_keys & item.keys():
        return {k: v for k, v in item.items() if k not in view_keys}
    return item


def check_duplicates(documents: dict, recognizers: dict, warnings: list[str]) -> None:
    """documents: cloud -> [RawDocument]; recognizers: cloud -> recognize module. Raises SnapshotError on
    the first conflicting duplicate; appends a warning per merged view-only difference."""
    for cloud, docs in documents.items():
        module = recognizers.get(cloud)
        item_ids = getattr(module, "item_ids", None)
        if item_ids is None:
            continue
        view_keys = frozenset(getattr(module, "VIEW_KEYS", ()))
        seen: dict[tuple[str, str], tuple[str, Any]] = {}
        whole: dict[tuple[str, str], Any] = {}
        for doc in docs:
            if doc.resource_id:
                k = (doc.kind, doc.resource_id)
                first = whole.setdefault(k, doc)
                if first is not doc and first.body != doc.body:
                    raise SnapshotError(
                        f"{doc.path}: {doc.resource_id}: described differently in {first.path} "
                        f"({doc.kind}); keep one of the two files (or merge the pages into one)")
                continue
            for rid, where, item in item_ids(doc):
                if not rid:
                    continue
                k = (doc.kind, rid)
                prev = seen.get(k)
                if prev is None:
                    seen[k] = (where, item)
                    continue
                pwhere, pitem = prev
                if pitem == item:
                    continue
                if _strip(pitem, view_keys) == _strip(item, view_keys):
                    warnings.append(f"{where}: {rid} also in {pwhere} with different "
                                    f"{'/'.join(sorted(view_keys))} (per-account view); names from the first")
                    continue
                raise SnapshotError(f"{where}: {rid}: described differently in {pwhere}; "
                                    "remove the stale copy (or re-collect) so the answer does not depend on file order")
