"""Seeded perturbations of a generated snapshot, so the differential tests meet rule sets the bench generators never
write: random extra rules in the raw JSON (colliding priorities, deny next to allow, stateless rules, port ranges,
egress denies, policy goto_next), written back in the same shapes. Pure JSON edits of files under a copy of the
snapshot; the references and the fast evaluator then read the same perturbed files."""

from __future__ import annotations

import json
import random
from pathlib import Path

PORTS = (22, 80, 443, 5432, 8080, 53, 7000)


def _edit(path: Path, fn) -> None:
    body = json.loads(path.read_text())
    fn(body)
    path.write_text(json.dumps(body))


def _range(rng: random.Random) -> tuple[int, int]:
    lo = rng.choice(PORTS)
    return (lo, lo) if rng.random() < 0.7 else (max(1, lo - rng.randint(0, 30)), lo + rng.randint(0, 30))


def aws(root: Path, seed: int) -> None:
    """Extra NACL entries (random numbers below 100 or between existing ones, allow / deny, tcp / udp / all, port
    ranges, CIDRs of the 10.0.0.0/16 estate) and extra SG rules (CIDR ranges, tcp / udp)."""
    rng = random.Random(seed)
    cidrs = ["10.0.0.0/8", "10.0.0.0/16", "10.0.16.0/20", "10.0.12.0/22", "10.0.8.0/21", "0.0.0.0/0"]

    def nacls(body):
        for acl in body.get("NetworkAcls", []):
            used = {(e["Egress"], e["RuleNumber"]) for e in acl["Entries"]}
            for _ in range(rng.randint(0, 5)):
                egress, num = rng.random() < 0.5, rng.choice((rng.randint(1, 99), rng.randint(101, 300)))
                if (egress, num) in used:
                    continue
                used.add((egress, num))
                e = {"CidrBlock": rng.choice(cidrs), "Egress": egress, "Protocol": rng.choice(("6", "17", "-1")),
                     "RuleAction": rng.choice(("allow", "deny")), "RuleNumber": num}
                if e["Protocol"] != "-1":
                    lo, hi = _range(rng) if rng.random() < 0.7 else (1024, 65535)
                    e["PortRange"] = {"From": lo, "To": hi}
                acl["Entries"].append(e)

    def groups(body):
        for g in body.get("SecurityGroups", []):
            for _ in range(rng.randint(0, 3)):
                lo, hi = _range(rng)
                g["IpPermissions" if rng.random() < 0.7 else "IpPermissionsEgress"].append(
                    {"IpProtocol": rng.choice(("tcp", "udp")), "FromPort": lo, "ToPort": hi,
                     "IpRanges": [{"CidrIp": rng.choice(cidrs)}], "Ipv6Ranges": [], "PrefixListIds": [],
                     "UserIdGroupPairs": []})

    for p in sorted(root.rglob("DescribeNetworkAcls.json")):
        _edit(p, nacls)
    for p in sorted(root.rglob("DescribeSecurityGroups.json")):
        _edit(p, groups)


def gcp(root: Path, seed: int) -> None:
    """Extra VPC firewall rules (priorities 500 / 900 / 1000 so that ties happen, allow and deny, ingress and
    egress, target tags / service accounts / all, source ranges / tags), extra policy rules (allow / deny /
    goto_next, both directions), and a random enforcement order per network."""
    rng = random.Random(seed)
    ranges = ["10.0.0.0/8", "10.0.0.0/22", "10.0.4.0/22", "10.0.1.0/24", "0.0.0.0/0"]
    tags = ["web", "app", "db"]

    def firewalls(body):
        rules = body["items"]
        nets = sorted({r["network"] for r in rules})
        for net in nets:
            proj = net.split("/projects/")[1].split("/")[0]
            for k in range(rng.randint(2, 8)):
                egress = rng.random() < 0.3
                lo, hi = _range(rng)
                r = {"kind": "compute#firewall", "name": f"{net.rsplit('/', 1)[1]}-fuzz-{k}", "network": net,
                     "direction": "EGRESS" if egress else "INGRESS", "priority": rng.choice((500, 900, 1000)),
                     "selfLink": net.replace(net.split("/global/")[1], f"firewalls/{net.rsplit('/', 1)[1]}-fuzz-{k}"),
                     "allowed" if rng.random() < 0.5 else "denied":
                         [{"IPProtocol": rng.choice(("tcp", "udp", "all")), "ports": [f"{lo}-{hi}" if hi > lo
                                                                                       else str(lo)]}]}
                if r.get("allowed", r.get("denied"))[0]["IPProtocol"] == "all":
                    r.get("allowed", r.get("denied"))[0].pop("ports")
                if egress:
                    r["destinationRanges"] = [rng.choice(ranges)]
                elif rng.random() < 0.3:
                    r["sourceTags"] = [rng.choice(tags)]
                else:
                    r["sourceRanges"] = [rng.choice(ranges)]
                t = rng.random()
                if t < 0.4:
                    r["targetTags"] = [rng.choice(tags)]
                elif t < 0.55:
                    r["targetServiceAccounts"] = [f"{rng.choice(('app', 'db'))}@{proj}.iam.gserviceaccount.com"]
                if rng.random() < 0.1:
                    r["disabled"] = True
                rules.append(r)

    def policies(body):
        for scope in body["items"].values():
            for pol in scope.get("firewallPolicies", []):
                used = {r["priority"] for r in pol["rules"]}
                for _ in range(rng.randint(2, 6)):
                    prio = rng.randint(1, 300)
                    if prio in used:
                        continue
                    used.add(prio)
                    egress = rng.random() < 0.3
                    lo, hi = _range(rng)
                    pol["rules"].append({"priority": prio, "action": rng.choice(("allow", "deny", "goto_next")),
                                         "direction": "EGRESS" if egress else "INGRESS",
                                         "match": {("destIpRanges" if egress else "srcIpRanges"): [rng.choice(ranges)],
                                                   "layer4Configs": [{"ipProtocol": rng.choice(("tcp", "udp")),
                                                                      "ports": [f"{lo}-{hi}"]}]}})

    def networks(body):
        for n in body["items"]:
            n["networkFirewallPolicyEnforcementOrder"] = rng.choice(("AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"))

    for p in sorted(root.rglob("firewalls.json")):
        _edit(p, firewalls)
    for p in sorted(root.rglob("networkFirewallPolicies.json")):
        _edit(p, policies)
    for p in sorted(root.rglob("networks.json")):
        _edit(p, networks)


def oci(root: Path, seed: int) -> None:
    """Extra security list and NSG rules: stateless and stateful, ingress and egress, destination and source port
    ranges (so replies from a port match or miss), CIDRs and NSG references."""
    rng = random.Random(seed)
    cidrs = ["10.0.0.0/8", "10.0.0.0/22", "10.0.1.0/24", "10.0.4.0/22", "0.0.0.0/0"]

    def rule(ingress: bool, nsgs: list[str]):
        side = "source" if ingress else "destination"
        r = {"protocol": rng.choice(("6", "17", "all")), "isStateless": rng.random() < 0.5}
        if nsgs and rng.random() < 0.2:
            r[side], r[side + "Type"] = rng.choice(nsgs), "NETWORK_SECURITY_GROUP"
        else:
            r[side], r[side + "Type"] = rng.choice(cidrs), "CIDR_BLOCK"
        if r["protocol"] != "all":
            lo, hi = _range(rng)
            key = "destinationPortRange" if rng.random() < 0.6 else "sourcePortRange"
            r["tcpOptions" if r["protocol"] == "6" else "udpOptions"] = {key: {"min": lo, "max": hi}}
        return r

    nsgs = sorted(p.stem for p in root.rglob("ListNetworkSecurityGroupSecurityRules/*.json"))

    def lists(body):
        for sl in body:
            for _ in range(rng.randint(0, 4)):
                ingress = rng.random() < 0.5
                sl["ingressSecurityRules" if ingress else "egressSecurityRules"].append(rule(ingress, []))

    def nsg_rules(body, peers):
        for _ in range(rng.randint(0, 3)):
            ingress = rng.random() < 0.5
            body.append({"id": f"FUZZ{rng.randint(0, 10**6)}", "direction": "INGRESS" if ingress else "EGRESS",
                         **rule(ingress, peers)})

    for p in sorted(root.rglob("ListSecurityLists.json")):
        _edit(p, lists)
    for p in sorted(root.rglob("ListNetworkSecurityGroupSecurityRules/*.json")):
        # an NSG peer from the same VCN (the bench names NSGs <vcn key>web / <vcn key>app)
        same_vcn = [n for n in nsgs if n[:-3] == p.stem[:-3]]
        _edit(p, lambda body: nsg_rules(body, same_vcn))
