#!/usr/bin/env python3
"""Findings per 100 MB by rule and the precision of a hand-labelled sample (bench/secrets-precision.sh).

    secrets_precision.py CORPUS FINDINGS.json LABELS.tsv [sample N]

LABELS.tsv: path (relative to CORPUS) <TAB> line <TAB> rule <TAB> TP|FP <TAB> reason.
Precision is computed over the labelled findings the scan reports, in three views:
every finding; the findings that fail the default `--fail-on high`; the findings at medium
severity or above that are not marked as test/example credentials (what the text report shows
first). `sample N` prints up to N reported findings without a label (path, line, rule,
severity, the line's text cut to 160 characters), spread over the rules, to label.
"""
import collections, json, os, sys

SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def size_mb(root):
    total = 0
    for d, _, files in os.walk(root):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total / (1 << 20)


def line_text(corpus, path, line):
    try:
        with open(os.path.join(corpus, path), "rb") as fh:
            for i, l in enumerate(fh, 1):
                if i == line:
                    return l.decode("utf-8", "replace").strip()[:160]
    except OSError:
        pass
    return ""


def main():
    corpus, findings_path, labels_path = sys.argv[1:4]
    rest = sys.argv[4:]
    findings = json.load(open(findings_path))["findings"]
    base = corpus.rstrip("/") + "/"
    rows = []
    for f in findings:
        p = f["location"]["path"]
        p = p[len(base):] if p.startswith(base) else p
        rows.append((p, f["location"]["start_line"], f["rule_id"].removeprefix("secrets/"),
                     f["severity"], f.get("confidence", ""), "example-credential" in f.get("tags", [])))
    mb = size_mb(corpus)
    print(f"corpus: {mb:.0f} MB, {len(rows)} findings, {len(rows) / mb * 100:.1f} per 100 MB")
    by_rule = collections.Counter(r[2] for r in rows)
    by_sev = collections.Counter(r[3] for r in rows)
    print("by severity: " + ", ".join(f"{s} {by_sev[s]}" for s in SEV if by_sev[s]))
    print(f"marked test/example credentials: {sum(1 for r in rows if r[5])}")
    print(f"\n{'rule':<40}{'findings':>9}{'per 100 MB':>12}")
    for rule, n in by_rule.most_common():
        print(f"{rule:<40}{n:>9}{n / mb * 100:>12.2f}")

    labels = {}
    if os.path.exists(labels_path):
        for ln in open(labels_path, encoding="utf-8"):
            if not ln.strip() or ln.startswith("#"):
                continue
            parts = ln.rstrip("\n").split("\t")
            labels[(parts[0], int(parts[1]), parts[2])] = (parts[3], parts[4] if len(parts) > 4 else "")
    reported = {(r[0], r[1], r[2]): r for r in rows}
    seen = [(k, labels[k], reported[k]) for k in labels if k in reported]
    gone = [(k, v) for k, v in labels.items() if k not in reported]

    def prec(items, name):
        tp = sum(1 for _, (lab, _), _ in items if lab == "TP")
        n = len(items)
        print(f"  {name:<58}{n:>5} labelled, {tp:>4} TP, precision {tp / n if n else float('nan'):.3f}")

    print(f"\nlabels: {len(labels)} in {os.path.basename(labels_path)}; {len(seen)} reported by this scan, "
          f"{len(gone)} not reported ({sum(1 for _, (l, _) in gone if l == 'TP')} of them TP)")
    prec(seen, "all reported findings")
    prec([s for s in seen if SEV[s[2][3]] >= SEV["high"]], "failing --fail-on high (the default)")
    prec([s for s in seen if SEV[s[2][3]] >= SEV["medium"] and not s[2][5]],
         "medium or above, not a test/example credential")
    if rest[:1] == ["sample"]:
        want = int(rest[1]) if len(rest) > 1 else 300
        todo = [r for k, r in sorted(reported.items()) if k not in labels]
        per_rule = collections.defaultdict(list)
        for r in todo:
            per_rule[r[2]].append(r)
        picked = []
        while len(picked) < want and any(per_rule.values()):
            for rule in sorted(per_rule):
                if per_rule[rule] and len(picked) < want:
                    lst = per_rule[rule]
                    picked.append(lst.pop(len(lst) // 2 if len(lst) > 2 else 0))
        print(f"\n# {len(picked)} unlabelled findings (path, line, rule, severity, text)")
        for p, line, rule, sev, conf, ex in sorted(picked):
            print(f"{p}\t{line}\t{rule}\t{sev}{'/example' if ex else ''}\t{line_text(corpus, p, line)}")


if __name__ == "__main__":
    main()
