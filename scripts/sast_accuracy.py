#!/usr/bin/env python3
"""TPR, FPR and Youden index (TPR - FPR) per CWE on the labelled SAST fixtures.

Lines marked `expect: <rule>` are positives, `ok: <rule>` negatives. Runs
`rampart scan DIR --engines sast --format json --fail-on never` and reads "findings".
Usage: scripts/sast_accuracy.py [FIXTURES_DIR] [--rampart PATH]
"""
import json, os, re, subprocess, sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "crates", "rampart-sast", "tests", "fixtures")
rampart = "rampart"
if "--rampart" in sys.argv:
    rampart = sys.argv[sys.argv.index("--rampart") + 1]
root = os.path.abspath(root)
out = subprocess.run([rampart, "scan", root, "--engines", "sast", "--format", "json", "--fail-on", "never"],
                     capture_output=True, text=True, check=False)
report = json.loads(out.stdout)
fired = defaultdict(set)  # (path, line) -> rule ids
cwe_of = {}
for f in report.get("findings", []):
    rid = f["rule_id"].split("/", 1)[-1]
    fired[(f["location"]["path"], f["location"]["start_line"])].add(rid)
    cwe_of[rid] = f.get("cwe") or ["?"]

marker = re.compile(r"(expect|ok):\s*([a-z0-9-]+)")
stats = defaultdict(lambda: [0, 0, 0, 0])  # tp, fn, fp, tn
for dirpath, _, files in os.walk(root):
    for name in files:
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                for kind, rule in marker.findall(line):
                    hit = rule in fired.get((rel, i), set())
                    for cwe in cwe_of.get(rule, [rule]):
                        s = stats[cwe]
                        if kind == "expect":
                            s[0 if hit else 1] += 1
                        else:
                            s[2 if hit else 3] += 1

print(f"{'CWE':<12}{'TP':>4}{'FN':>4}{'FP':>4}{'TN':>4}{'TPR':>7}{'FPR':>7}{'Youden':>8}")
worst = 1.0
for cwe in sorted(stats):
    tp, fn, fp, tn = stats[cwe]
    tpr = tp / (tp + fn) if tp + fn else 1.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    worst = min(worst, tpr - fpr)
    print(f"{cwe:<12}{tp:>4}{fn:>4}{fp:>4}{tn:>4}{tpr:>7.2f}{fpr:>7.2f}{tpr - fpr:>8.2f}")
print(f"lowest Youden index: {worst:.2f} (target >= 0.90)")
sys.exit(0 if worst >= 0.9 else 1)
