#!/usr/bin/env python3
"""TPR, FPR and Youden index (TPR - FPR) per CWE (and per rule) on the labelled SAST fixtures.

A line marked `expect: <rule>` is a positive: the rule must report a finding starting on that
line. A line marked `ok: <rule>` is a negative: it must not. A line marked `fp: <rule>` is a
known false positive: a negative that the rule reports today (counted as FP). Several markers
may share a line (`# expect: a, ok: b`). The whole fixture tree is scanned as one project, so flows through
helpers in other files count.

Runs `rampart scan DIR --engines sast --format json --fail-on never`, reads "findings", and takes
each rule's CWEs from `rampart rules --engine sast --json`.

Usage: scripts/sast_accuracy.py [FIXTURES_DIR] [--rampart PATH] [--rules] [--misses] [--lang L]
  --rules   also print the table per rule
  --misses  list every false negative and false positive
  --lang    count only the fixtures of one language (python, javascript, java, go); without it the
            table per CWE is printed for every language, then for all together
Exit status: 0 when every CWE has Youden >= 0.9 (and at least one case), 1 otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("root", nargs="?",
                default=os.path.join(here, "..", "crates", "rampart-sast", "tests", "fixtures"))
ap.add_argument("--rampart", default=os.environ.get("RAMPART", "rampart"))
ap.add_argument("--rules", action="store_true", help="also print figures per rule")
ap.add_argument("--misses", action="store_true", help="list false negatives and positives")
ap.add_argument("--lang", choices=["python", "javascript", "java", "go"], help="only this language's fixtures")
opts = ap.parse_args()
root = os.path.abspath(opts.root)

def run(args):
    p = subprocess.run([opts.rampart] + args, capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1):
        sys.exit(f"`rampart {' '.join(args)}` failed ({p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout)

cwe_of = {r["id"].split("/", 1)[-1]: (r.get("cwe") or ["no-CWE"])
          for r in run(["rules", "--engine", "sast", "--json"])}
report = run(["scan", root, "--engines", "sast", "--format", "json", "--fail-on", "never"])
fired = defaultdict(set)  # (path, line) -> rule ids
for f in report.get("findings", []):
    rid = f["rule_id"].split("/", 1)[-1]
    fired[(f["location"]["path"], f["location"]["start_line"])].add(rid)

LANG_OF_EXT = {".py": "python", ".pyw": "python", ".js": "javascript", ".jsx": "javascript",
               ".mjs": "javascript", ".cjs": "javascript", ".ts": "javascript", ".tsx": "javascript",
               ".vue": "javascript", ".java": "java", ".jsp": "java", ".jspx": "java", ".go": "go"}
by_lang_cwe = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))  # lang -> cwe -> counts
marker = re.compile(r"\b(expect|ok|fp):\s*([a-z0-9][a-z0-9-]*)")
by_cwe = defaultdict(lambda: [0, 0, 0, 0])  # tp, fn, fp, tn
by_rule = defaultdict(lambda: [0, 0, 0, 0])
misses = []
unknown = set()
for dirpath, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        lang = LANG_OF_EXT.get(os.path.splitext(name)[1], "other")
        if opts.lang and lang != opts.lang:
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                for kind, rule in marker.findall(line):
                    if rule not in cwe_of:
                        unknown.add(rule)
                        continue
                    hit = rule in fired.get((rel, i), set())
                    slot = (0 if hit else 1) if kind == "expect" else (2 if hit else 3)
                    if slot in (1, 2):
                        misses.append(f"{rel}:{i}: {rule} {'missed' if slot == 1 else 'false positive'}")
                    by_rule[rule][slot] += 1
                    for cwe in cwe_of[rule]:
                        by_cwe[cwe][slot] += 1
                        by_lang_cwe[lang][cwe][slot] += 1

def table(title, stats):
    print(f"{title:<34}{'TP':>5}{'FN':>5}{'FP':>5}{'TN':>5}{'TPR':>7}{'FPR':>7}{'Youden':>8}")
    worst = 1.0
    for key in sorted(stats, key=lambda k: (int(k[4:]) if k.startswith("CWE-") else 0, k)):
        tp, fn, fp, tn = stats[key]
        tpr = tp / (tp + fn) if tp + fn else 0.0
        fpr = fp / (fp + tn) if fp + tn else 0.0
        worst = min(worst, tpr - fpr)
        print(f"{key:<34}{tp:>5}{fn:>5}{fp:>5}{tn:>5}{tpr:>7.2f}{fpr:>7.2f}{tpr - fpr:>8.2f}")
    tot = [sum(s[i] for s in stats.values()) for i in range(4)]
    tpr = tot[0] / (tot[0] + tot[1]) if tot[0] + tot[1] else 0.0
    fpr = tot[2] / (tot[2] + tot[3]) if tot[2] + tot[3] else 0.0
    print(f"{'all':<34}{tot[0]:>5}{tot[1]:>5}{tot[2]:>5}{tot[3]:>5}{tpr:>7.2f}{fpr:>7.2f}{tpr - fpr:>8.2f}")
    return worst

if opts.rules:
    table("rule", by_rule)
    print()
if not opts.lang and len(by_lang_cwe) > 1:
    for lang in sorted(by_lang_cwe):
        table(f"CWE ({lang})", by_lang_cwe[lang])
        print()
worst = table("CWE", by_cwe)
prefix = {"python": "python-", "javascript": "js-", "java": "java-", "go": "go-"}.get(opts.lang, "")
in_scope = [r for r in cwe_of if r.startswith(prefix)]
untested = sorted(r for r in in_scope if r not in by_rule)
missing_cwes = sorted({c for r in in_scope for c in cwe_of[r]} - set(by_cwe))
if untested:
    print("rules without fixtures: " + ", ".join(untested))
if missing_cwes:
    print("CWEs without fixtures: " + ", ".join(missing_cwes))
if unknown:
    print("markers naming unknown rules: " + ", ".join(sorted(unknown)))
if opts.misses and misses:
    print("\n".join(misses))
print(f"lowest Youden index: {worst:.2f} (target >= 0.90)")
sys.exit(0 if worst >= 0.9 and by_cwe and not missing_cwes and not unknown else 1)
