#!/usr/bin/env python3
"""zizmor parity on real workflows: which (file, line) each tool reports, per zizmor audit class.

Usage: zizmor_parity.py ZIZMOR.json RAMPART.json
ZIZMOR.json from `zizmor --offline --persona auditor --format json DIR`, RAMPART.json from
`rampart scan DIR --engines iac --format json`. Prints, per class, zizmor's and rampart's
counts, how many lines both report, and up to three examples of lines only one reports.
"""
import collections
import json
import sys

# zizmor audit -> rampart checks that report the same class of issue.
CLASSES = {
    "adhoc-packages": ["gha-adhoc-packages"],
    "anonymous-definition": ["gha-anonymous-definition"],
    "archived-uses": ["gha-archived-uses"],
    "artipacked": ["gha-artipacked"],
    "bot-conditions": ["gha-bot-conditions"],
    "cache-poisoning": ["gha-cache-poisoning"],
    "concurrency-limits": ["gha-concurrency-limits"],
    "dangerous-triggers": ["gha-dangerous-triggers", "gha-dangerous-checkout"],
    "excessive-permissions": ["gha-permissions-write-all", "gha-missing-permissions",
                              "gha-no-workflow-permissions", "gha-workflow-write-permissions"],
    "github-app": ["gha-github-app"],
    "github-env": ["gha-github-env"],
    "hardcoded-container-credentials": ["gha-hardcoded-container-credentials"],
    "insecure-commands": ["gha-insecure-commands", "gha-deprecated-workflow-commands"],
    "misfeature": ["gha-misfeature", "gha-pip-extra-index-url"],
    "obfuscation": ["gha-obfuscation"],
    "overprovisioned-secrets": ["gha-overprovisioned-secrets"],
    "secrets-inherit": ["gha-secrets-inherit"],
    "secrets-outside-env": ["gha-secrets-outside-env"],
    "self-hosted-runner": ["gha-self-hosted-runner"],
    "self-repository": ["gha-self-repository"],
    "superfluous-actions": ["gha-superfluous-actions"],
    "template-injection": ["gha-template-injection", "gha-template-injection-indirect"],
    "typosquat-uses": ["gha-typosquat-uses"],
    "undocumented-permissions": ["gha-undocumented-permissions"],
    "unpinned-images": ["gha-unpinned-images"],
    "unpinned-tools": ["gha-unpinned-tools"],
    "unpinned-uses": ["gha-unpinned-uses"],
    "unredacted-secrets": ["gha-unredacted-secrets"],
    "unsound-condition": ["gha-unsound-condition"],
    "unsound-contains": ["gha-unsound-contains"],
    "unsound-ternary": ["gha-unsound-ternary"],
    "use-trusted-publishing": ["gha-use-trusted-publishing"],
}


def norm(path):
    return path[2:] if path.startswith("./") else path


def main():
    z = json.load(open(sys.argv[1]))
    r = json.load(open(sys.argv[2]))["findings"]
    zl = collections.defaultdict(set)
    for f in z:
        for loc in f["locations"]:
            if loc["symbolic"].get("kind") != "Primary":
                continue
            key = loc["symbolic"]["key"]
            path = key.get("Local", {}).get("verbatim_path")
            if path is None:
                continue
            row = loc["concrete"]["location"]["start_point"]["row"] + 1
            zl[f["ident"]].add((norm(path), row))
    rl = collections.defaultdict(set)
    back = {rule: cls for cls, rules in CLASSES.items() for rule in rules}
    for f in r:
        rule = f["rule_id"].removeprefix("iac/")
        if rule in back:
            rl[back[rule]].add((f["location"]["path"], f["location"]["start_line"]))
    print("| zizmor audit | zizmor | rampart | same line | zizmor only | rampart only |")
    print("|---|---:|---:|---:|---:|---:|")
    tot = [0, 0, 0]
    for cls in sorted(set(zl) | set(rl)):
        a, b = zl.get(cls, set()), rl.get(cls, set())
        both = a & b
        tot[0] += len(a); tot[1] += len(b); tot[2] += len(both)
        print(f"| {cls} | {len(a)} | {len(b)} | {len(both)} | {len(a - b)} | {len(b - a)} |")
    print(f"| **all** | {tot[0]} | {tot[1]} | {tot[2]} | {tot[0]-tot[2]} | {tot[1]-tot[2]} |")
    if len(sys.argv) > 3:
        for cls in sys.argv[3:]:
            a, b = zl.get(cls, set()), rl.get(cls, set())
            print(f"\n{cls}: zizmor only", sorted(a - b)[:8])
            print(f"{cls}: rampart only", sorted(b - a)[:8])


main()
