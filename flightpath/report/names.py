"""How a resource is named in the human views (terminal, markdown, HTML): never cut, Azure subnets as
`vnet/subnet`, other path-like ids (ARM, GCP self links) by their last `type/name` segments."""

from __future__ import annotations

from flightpath.model import NativeRef


def display_id(ref: NativeRef) -> str:
    rid = ref.id.rstrip("/")
    if "/" not in rid:
        return rid
    parts = rid.split("/")
    low = [p.lower() for p in parts]
    for parent, child in (("virtualnetworks", "subnets"), ("virtualnetworks", "virtualnetworkpeerings"),
                          ("networksecuritygroups", "securityrules"),
                          ("networksecuritygroups", "defaultsecurityrules"), ("routetables", "routes")):
        if parent in low and child in low:
            i, j = low.index(parent), low.index(child)
            if j == i + 2 and j + 1 < len(parts):
                return f"{parts[i + 1]}/{parts[j + 1]}"
    if len(parts) >= 2 and low[-2] in ("networksecuritygroups", "networkinterfaces", "virtualnetworks", "routetables",
                                        "virtualmachines", "azurefirewalls", "natgateways", "publicipaddresses",
                                        "virtualnetworkgateways", "applicationsecuritygroups"):
        return parts[-1]
    return "/".join(parts[-2:])


def display(ref: NativeRef) -> str:
    short = display_id(ref)
    if not ref.name or ref.name == short or short.endswith("/" + ref.name):
        return short
    return f"{short} ({ref.name})"


def compact_id(ref: NativeRef) -> str:
    """The compact terminal view's label: `display_id`, except that an OCID with a display name shows the
    name. OCIDs run to ~80 characters (https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm)
    and the OCI console lists resources by name; the header, --verbose, markdown and JSON keep the OCID."""
    if ref.id.startswith("ocid1.") and ref.name and ref.name != ref.id:
        return ref.name
    return display_id(ref)
