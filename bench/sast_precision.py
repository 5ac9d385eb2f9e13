#!/usr/bin/env python3
"""Precision of the SAST engine on a hand-labelled sample of its findings on real code.

    sast_precision.py CORPUS FINDINGS.json LABELS.tsv [sample N]

FINDINGS.json is `rampart scan CORPUS --engines sast --format json` (paths relative to CORPUS).
LABELS.tsv columns: id (the finding's fingerprint), lang, rule, file:line, TP|FP, reason; lines
starting with `#` are comments. A label is joined to a reported finding by fingerprint, else by
rule and file:line (a finding whose message or trace changed keeps its label). Prints the
findings by language and rule, then precision (TP / labelled and reported) per rule, per language
and overall. `sample N` lists up to N reported findings without a label, spread over the rules
(round robin), with the source line, to label.
"""
import collections
import json
import os
import sys

LANG_OF_EXT = {".py": "python", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
               ".cjs": "javascript", ".ts": "javascript", ".tsx": "javascript", ".java": "java",
               ".go": "go"}


def line_text(corpus, path, line):
    try:
        with open(os.path.join(corpus, path), "rb") as fh:
            for i, text in enumerate(fh, 1):
                if i == line:
                    return text.decode("utf-8", "replace").strip()[:200]
    except OSError:
        pass
    return ""


def load_labels(path):
    labels = []
    if not os.path.exists(path):
        return labels
    for n, ln in enumerate(open(path, encoding="utf-8"), 1):
        if not ln.strip() or ln.startswith("#"):
            continue
        parts = ln.rstrip("\n").split("\t")
        if len(parts) < 5 or parts[4] not in ("TP", "FP"):
            sys.exit(f"{path}:{n}: expected id, lang, rule, file:line, TP|FP, reason")
        labels.append({"id": parts[0], "lang": parts[1], "rule": parts[2], "loc": parts[3],
                       "verdict": parts[4], "reason": parts[5] if len(parts) > 5 else ""})
    return labels


def main():
    corpus, findings_path, labels_path = sys.argv[1:4]
    rest = sys.argv[4:]
    base = os.path.abspath(corpus).rstrip("/") + "/"
    rows = []
    for f in json.load(open(findings_path))["findings"]:
        p = f["location"]["path"]
        p = p[len(base):] if p.startswith(base) else p
        rows.append({"id": f.get("fingerprint", ""), "rule": f["rule_id"].split("/", 1)[-1],
                     "loc": f"{p}:{f['location']['start_line']}", "path": p,
                     "line": f["location"]["start_line"],
                     "lang": LANG_OF_EXT.get(os.path.splitext(p)[1], "other")})
    by_lang = collections.Counter(r["lang"] for r in rows)
    print(f"{len(rows)} findings: " + ", ".join(f"{l} {n}" for l, n in sorted(by_lang.items())))
    by_rule = collections.Counter(r["rule"] for r in rows)
    print(f"\n{'rule':<36}{'findings':>9}")
    for rule, n in sorted(by_rule.items(), key=lambda x: (-x[1], x[0])):
        print(f"{rule:<36}{n:>9}")

    labels = load_labels(labels_path)
    by_id = {r["id"]: r for r in rows if r["id"]}
    by_loc = {(r["rule"], r["loc"]): r for r in rows}
    seen, gone, used = [], [], set()
    for lab in labels:
        r = by_id.get(lab["id"]) or by_loc.get((lab["rule"], lab["loc"]))
        if r is None or id(r) in used:
            gone.append(lab)
        else:
            used.add(id(r))
            seen.append(lab)

    def stats(items):
        tp = sum(1 for x in items if x["verdict"] == "TP")
        return len(items), tp, (tp / len(items) if items else float("nan"))

    print(f"\nlabels: {len(labels)} in {os.path.basename(labels_path)}; {len(seen)} reported by this "
          f"scan, {len(gone)} not reported ({sum(1 for g in gone if g['verdict'] == 'TP')} of them TP)")
    print(f"\n{'rule':<36}{'labelled':>9}{'TP':>5}{'FP':>5}{'precision':>11}")
    for rule in sorted({x["rule"] for x in seen}):
        n, tp, p = stats([x for x in seen if x["rule"] == rule])
        print(f"{rule:<36}{n:>9}{tp:>5}{n - tp:>5}{p:>11.2f}")
    print()
    for lang in sorted({x["lang"] for x in seen}):
        n, tp, p = stats([x for x in seen if x["lang"] == lang])
        print(f"{'language ' + lang:<36}{n:>9}{tp:>5}{n - tp:>5}{p:>11.2f}")
    n, tp, p = stats(seen)
    print(f"{'overall (the sample)':<36}{n:>9}{tp:>5}{n - tp:>5}{p:>11.2f}")
    # The sample takes up to the same number of findings from every rule; weighting each rule's
    # precision by its share of this scan's findings estimates the precision of all findings.
    rules = {x["rule"] for x in seen}
    covered = sum(by_rule[r] for r in rules)
    if covered:
        est = sum(stats([x for x in seen if x["rule"] == r])[2] * by_rule[r] for r in rules) / covered
        print(f"{'all findings (weighted by rule)':<36}{covered:>9}{'':>10}{est:>11.2f}")

    if rest[:1] == ["sample"]:
        want = int(rest[1]) if len(rest) > 1 else 300
        labelled = {id(by_id.get(l["id"]) or by_loc.get((l["rule"], l["loc"]))) for l in labels}
        per_rule = collections.defaultdict(list)
        for r in sorted(rows, key=lambda r: (r["path"], r["line"])):
            if id(r) not in labelled:
                per_rule[r["rule"]].append(r)
        picked = []
        while len(picked) < want and any(per_rule.values()):
            for rule in sorted(per_rule):
                if per_rule[rule] and len(picked) < want:
                    lst = per_rule[rule]
                    picked.append(lst.pop(len(lst) // 2 if len(lst) > 2 else 0))
        print(f"\n# {len(picked)} unlabelled findings (id, lang, rule, file:line, source line)")
        for r in sorted(picked, key=lambda r: (r["lang"], r["rule"], r["loc"])):
            print(f"{r['id']}\t{r['lang']}\t{r['rule']}\t{r['loc']}\t{line_text(corpus, r['path'], r['line'])}")


if __name__ == "__main__":
    main()
