"""AWS Elastic Load Balancing v2 (NLB, ALB) → LoadBalancers and TargetGroups (pure).

Read from `aws elbv2 describe-load-balancers` (LoadBalancers), `describe-listeners` (Listeners),
`describe-target-groups` (TargetGroups), `describe-rules` per ALB listener (DescribeRules/<listener id>.json:
Rules, the default rule included; an L4 trace cannot see host or path, so every rule is a branch),
`describe-target-health` per target group
(DescribeTargetHealth/<target group id>.json: TargetHealthDescriptions) and `describe-target-group-attributes`
/ `describe-load-balancer-attributes` per resource (Attributes). The balancer's nodes are its ENIs
("ELB net/<name>/<id>", interfaces.service_owner), which hold its frontend addresses.

Source the target sees (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation):
NLB target type instance: the client's IP (preservation always on for TCP/UDP, the attribute may turn it
off for TCP/TLS only); type ip: off for TCP/TLS unless preserve_client_ip.enabled, on for UDP/TCP_UDP. An
ALB always connects from its own node address (X-Forwarded-For carries the client).
Health (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html):
only healthy targets receive traffic; when none is healthy the balancer routes to all ("fail open").
"""

from __future__ import annotations

from typing import Any

from flightpath.model import Estate, LbTarget, Listener, ListenerRule, LoadBalancer, NativeRef, TargetGroup
from flightpath.model.addresses import parse_address, parse_network

PROTOCOLS = {"TCP": (6,), "TLS": (6,), "HTTP": (6,), "HTTPS": (6,), "UDP": (17,), "TCP_UDP": (6, 17),
             "GENEVE": (17,)}


def _arn_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if arn else ""


def _forward_groups(listener: dict[str, Any], key: str = "DefaultActions") -> tuple[str, ...]:
    out: list[str] = []
    for action in listener.get(key) or []:
        if str(action.get("Type", "")).lower() != "forward":
            continue
        if action.get("TargetGroupArn"):
            out.append(action["TargetGroupArn"])
        for tg in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if tg.get("TargetGroupArn") and tg["TargetGroupArn"] not in out and tg.get("Weight", 1) != 0:
                out.append(tg["TargetGroupArn"])
    return tuple(out)


def _conditions(rule: dict[str, Any]) -> str:
    """A rule's conditions in a few words: "host-header api.example.com; path-pattern /v1/*"."""
    parts = []
    for c in rule.get("Conditions") or []:
        fld = str(c.get("Field", ""))
        cfg = next((v for k, v in c.items() if k.endswith("Config") and isinstance(v, dict)), {})
        values = cfg.get("Values") or c.get("Values") or []
        if fld == "http-header":
            values = [f"{cfg.get('HttpHeaderName', '')}: {v}" for v in values]
        elif fld == "query-string":
            values = [f"{v.get('Key') or ''}={v.get('Value', '')}" for v in values if isinstance(v, dict)]
        parts.append(f"{fld} {', '.join(str(v) for v in values)}".strip())
    return "; ".join(parts)


def _answer(rule: dict[str, Any]) -> str:
    """What the balancer answers itself, when the rule's final action is fixed-response or redirect
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#rule-action-types)."""
    actions = sorted(rule.get("Actions") or [], key=lambda a: a.get("Order", 0))
    last = next((a for a in reversed(actions) if not str(a.get("Type", "")).startswith("authenticate")), {})
    kind = str(last.get("Type", "")).lower()
    if kind == "fixed-response":
        return f"fixed-response {(last.get('FixedResponseConfig') or {}).get('StatusCode', '')}".strip()
    if kind == "redirect":
        r = last.get("RedirectConfig") or {}
        return f"redirect {r.get('StatusCode', '')} to {r.get('Protocol', '#{protocol}')}:{r.get('Port', '#{port}')}"
    return ""


def _sources(rule: dict[str, Any], where: str) -> tuple[tuple | None, bool]:
    """The source-ip condition's networks (None: no such condition) and whether it is the only kind."""
    nets, other = None, False
    for c in rule.get("Conditions") or []:
        if str(c.get("Field", "")) != "source-ip":
            other = True
            continue
        values = (c.get("SourceIpConfig") or {}).get("Values") or c.get("Values") or []
        nets = (nets or ()) + tuple(parse_network(v, f"{where}: SourceIpConfig.Values") for v in values)
    return nets, not other


def _rules(doc, acct: str, region: str) -> tuple[ListenerRule, ...]:
    out = []
    for r in sorted((doc.body.get("Rules") or []) if doc else [], key=lambda r: (
            r.get("IsDefault", False), int(r["Priority"]) if str(r.get("Priority", "")).isdigit() else 1 << 30)):
        name = "default" if r.get("IsDefault") else str(r.get("Priority", ""))
        sources, exact = _sources(r, f"{doc.path}: rule {name}")
        out.append(ListenerRule(NativeRef("aws", "listener-rule", r.get("RuleArn", ""), name, acct, region),
                                _conditions(r), _forward_groups(r, "Actions"), _answer(r), sources, exact))
    return tuple(out)


def _attributes(items, kind: str) -> dict[str, dict[str, str]]:
    return {rid: {str(a.get("Key")): str(a.get("Value")) for a in doc.body.get("Attributes") or [] if isinstance(a, dict)}
            for rid, doc in items.per_resource(kind).items()}


def build_balancers(items, est: Estate) -> None:
    if not items.has("LoadBalancers"):
        return
    lb_type: dict[str, str] = {}
    for lb, acct, region, where in items("LoadBalancers"):
        arn = lb.get("LoadBalancerArn", "")
        if arn:
            lb_type[arn] = str(lb.get("Type", "application")).lower()
    tg_attrs = _attributes(items, "DescribeTargetGroupAttributes")
    health = items.per_resource("DescribeTargetHealth")
    eni_of_instance: dict[str, Any] = {}
    for i in est.interfaces.values():
        if i.instance is not None and i.instance.id not in eni_of_instance:
            eni_of_instance[i.instance.id] = i
    for tg, acct, region, where in items("TargetGroups"):
        arn = tg.get("TargetGroupArn", "")
        if not arn:
            continue
        proto = str(tg.get("Protocol", "TCP")).upper()
        ttype = str(tg.get("TargetType", "instance")).lower()
        albs = [lb_type.get(a, "") for a in tg.get("LoadBalancerArns") or []]
        attrs = tg_attrs.get(_arn_id(arn), {})
        if "application" in albs:
            preserve = False
        elif ttype == "instance":
            preserve = attrs.get("preserve_client_ip.enabled", "true").lower() == "true" or proto in ("UDP", "TCP_UDP")
        else:
            preserve = attrs.get("preserve_client_ip.enabled", "false").lower() == "true" or proto in ("UDP", "TCP_UDP")
        doc = health.get(_arn_id(arn))
        targets = []
        for j, d in enumerate((doc.body.get("TargetHealthDescriptions") or []) if doc else []):
            t = d.get("Target") or {}
            tid = str(t.get("Id", ""))
            state = str((d.get("TargetHealth") or {}).get("State", "")).lower()
            addr, ref = None, NativeRef("aws", f"target ({ttype})", tid, "", acct, region)
            if ttype == "instance":
                eni = eni_of_instance.get(tid)
                addr = eni.private_ips[0] if eni and eni.private_ips else None
                ref = eni.instance if eni else ref
            elif ttype == "ip":
                addr = parse_address(tid, f"{doc.path}: TargetHealthDescriptions[{j}].Target.Id")
            targets.append(LbTarget(ref, addr, t.get("Port"), state == "healthy" if state else None, state))
        est.target_groups[arn] = TargetGroup(
            NativeRef("aws", "target-group", arn, tg.get("TargetGroupName", ""), acct, region), proto, tg.get("Port"),
            tuple(targets), preserve,
            "" if doc else f"DescribeTargetHealth/{_arn_id(arn)}.json not in the snapshot")
    listeners: dict[str, list[Listener]] = {}
    rules = items.per_resource("DescribeRules")
    for li, acct, region, where in items("Listeners"):
        proto = str(li.get("Protocol", "TCP")).upper()
        listeners.setdefault(li.get("LoadBalancerArn", ""), []).append(Listener(
            NativeRef("aws", "listener", li.get("ListenerArn", ""), f"{proto}:{li.get('Port')}", acct, region),
            PROTOCOLS.get(proto, (6,)), li.get("Port"), _forward_groups(li),
            rules=_rules(rules.get(_arn_id(li.get("ListenerArn", ""))), acct, region)))
    enis_of: dict[str, list[str]] = {}
    for eid, i in est.interfaces.items():
        if i.owner is not None and i.owner.type.startswith("load-balancer"):
            enis_of.setdefault(i.owner.id, []).append(eid)
    for lb, acct, region, where in items("LoadBalancers"):
        arn = lb.get("LoadBalancerArn", "")
        if not arn:
            continue
        state = str((lb.get("State") or {}).get("Code", "active")).lower()
        est.load_balancers[arn] = LoadBalancer(
            NativeRef("aws", f"load-balancer ({lb_type[arn]})", arn, lb.get("LoadBalancerName", ""), acct, region),
            tuple(listeners.get(arn, ())), tuple(enis_of.get(arn, ())),
            note="" if state == "active" else f"load balancer is {state}",
            dns_names=(str(lb["DNSName"]).lower().rstrip("."),) if lb.get("DNSName") else ())
