#!/usr/bin/env python3
"""Precision / recall / F1 of the secrets engine on the labelled corpus, per rule family.

    python3 scripts/secrets_accuracy.py                    # scan the corpus and print the table
    python3 scripts/secrets_accuracy.py --check            # exit 1 if overall F1 < 0.95
    python3 scripts/secrets_accuracy.py --findings f.json  # score an existing `rampart scan --format json` output
    python3 scripts/secrets_accuracy.py --verbose          # also list every false positive / negative
    python3 scripts/secrets_accuracy.py --self-test        # check the matching logic on a hand-made report

The binary is $RAMPART, else target/release/rampart, else `cargo run --release -q -p rampart --`.
A finding on a labelled (path, line) is a true positive (one per label, however many rules fire);
a finding on an unlabelled line is a false positive (family = first tag of the rule that fired);
a label without a finding is a false negative.
"""
import argparse, collections, json, os, shutil, subprocess, sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CORPUS = os.path.join(REPO, "crates", "rampart-secrets", "tests", "corpus")
TARGET = 0.95


def rampart_cmd():
    env = os.environ.get("RAMPART")
    if env:
        return [env]
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    for cand in (os.path.join(target_dir, "release", "rampart"), os.path.join(REPO, "target", "release", "rampart")):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return [cand]
    if shutil.which("cargo"):
        return ["cargo", "run", "--release", "-q", "-p", "rampart", "--"]
    sys.exit("no rampart binary: set $RAMPART or build with `cargo build --release -p rampart`")


def run_scan(corpus):
    cmd = rampart_cmd() + ["scan", corpus, "--engines", "secrets", "--format", "json", "--fail-on", "never", "--show-secrets"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(f"rampart scan failed (exit {proc.returncode}): {' '.join(cmd)}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        sys.stderr.write(proc.stdout[:2000])
        sys.exit(f"rampart did not print JSON: {e}")


def norm_path(p, corpus):
    """Findings may carry absolute paths, paths relative to the scan root or to the cwd."""
    p = p.replace("\\", "/")
    corpus_abs = os.path.abspath(corpus).replace("\\", "/").rstrip("/") + "/"
    if os.path.isabs(p):
        p = os.path.abspath(p).replace("\\", "/")
        if p.startswith(corpus_abs):
            return p[len(corpus_abs):]
    while p.startswith("./"):
        p = p[2:]
    rel_corpus = os.path.relpath(corpus, REPO).replace("\\", "/").rstrip("/") + "/"
    if p.startswith(rel_corpus):
        return p[len(rel_corpus):]
    marker = "tests/corpus/"
    if marker in p:
        return p.split(marker, 1)[1]
    return p


def finding_fields(f):
    loc = f.get("location") or {}
    path = loc.get("path") or f.get("path") or ""
    start = loc.get("start_line") or f.get("start_line") or f.get("line") or 0
    end = loc.get("end_line") or start
    rule = f.get("rule_id") or f.get("rule") or ""
    tags = f.get("tags") or []
    return path, int(start), int(end), rule, tags


def score(report, labels, corpus):
    findings = report.get("findings", []) if isinstance(report, dict) else report
    lab_by_loc = collections.defaultdict(list)
    for lab in labels:
        lab_by_loc[(lab["path"], lab["line"])].append(lab)
    by_path = collections.defaultdict(list)
    for lab in labels:
        by_path[lab["path"]].append(lab)

    tp_labels = set()          # id(label) of detected labels
    fp = []                    # (family, rule, path, line)
    fired = collections.defaultdict(set)  # id(label) -> rule ids that found it
    for f in findings:
        rule = finding_fields(f)[3]
        if not rule.startswith("secrets/") and "/" in rule:
            continue  # another engine
        if f.get("suppression") or f.get("suppressed"):
            continue  # a rampart:ignore comment or config suppression; the corpus has none
        path, start, end, rule, tags = finding_fields(f)
        path = norm_path(path, corpus)
        hit = list(lab_by_loc.get((path, start), []))
        if not hit and end > start:  # a multi-line finding covering the labelled line
            hit = [l for l in by_path.get(path, []) if start <= l["line"] <= end]
        if hit:
            for lab in hit:
                tp_labels.add(id(lab))
                fired[id(lab)].add(rule.split("/", 1)[-1])
        else:
            fam = tags[0] if tags else "unknown"
            fp.append((fam, rule, path, start))

    fams = sorted({l["family"] for l in labels} | {x[0] for x in fp})
    rows = []
    tot = collections.Counter()
    for fam in fams:
        labs = [l for l in labels if l["family"] == fam]
        tp = sum(1 for l in labs if id(l) in tp_labels)
        fn = len(labs) - tp
        nfp = sum(1 for x in fp if x[0] == fam)
        rows.append((fam, tp, nfp, fn))
        tot.update(tp=tp, fp=nfp, fn=fn)
    fn_list = [l for l in labels if id(l) not in tp_labels]
    rule_mismatch = [(l, sorted(fired[id(l)])) for l in labels
                     if id(l) in tp_labels and l.get("rule") and l["rule"] not in fired[id(l)]]
    return rows, (tot["tp"], tot["fp"], tot["fn"]), fp, fn_list, rule_mismatch


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def print_table(rows, total, out=sys.stdout):
    out.write(f"{'family':<18} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>10} {'recall':>8} {'F1':>7}\n")
    out.write("-" * 62 + "\n")
    for fam, tp, fp, fn in rows:
        p, r, f1 = prf(tp, fp, fn)
        out.write(f"{fam:<18} {tp:>5} {fp:>5} {fn:>5} {p:>10.3f} {r:>8.3f} {f1:>7.3f}\n")
    out.write("-" * 62 + "\n")
    p, r, f1 = prf(*total)
    out.write(f"{'overall':<18} {total[0]:>5} {total[1]:>5} {total[2]:>5} {p:>10.3f} {r:>8.3f} {f1:>7.3f}\n")
    return f1


def self_test():
    """Checks the matching logic on a hand-made report."""
    labels = [
        {"path": "a/.env", "line": 2, "family": "cloud", "rule": "aws-access-key-id"},
        {"path": "a/.env", "line": 3, "family": "cloud", "rule": None},
        {"path": "k/id_rsa", "line": 2, "family": "private-key", "rule": "private-key-rsa"},
        {"path": "b.py", "line": 5, "family": "generic", "rule": "generic-high-entropy-secret"},
    ]
    corpus = "/tmp/corpus"
    report = {"findings": [
        # absolute path; two rules on one labelled line count once
        {"rule_id": "secrets/aws-access-key-id", "location": {"path": "/tmp/corpus/a/.env", "start_line": 2}, "tags": ["cloud", "aws"]},
        {"rule_id": "secrets/generic-high-entropy-secret", "location": {"path": "a/.env", "start_line": 2}, "tags": ["generic"]},
        # a multi-line finding covering the labelled line
        {"rule_id": "secrets/private-key-rsa", "location": {"path": "./k/id_rsa", "start_line": 1, "end_line": 20}, "tags": ["private-key"]},
        # unlabelled lines: false positives, family = first tag
        {"rule_id": "secrets/jwt", "location": {"path": "b.py", "start_line": 9}, "tags": ["jwt", "token"]},
        {"rule_id": "secrets/generic-high-entropy-secret", "location": {"path": "c.py", "start_line": 1}, "tags": ["generic"]},
        # ignored: suppressed, or another engine
        {"rule_id": "secrets/jwt", "location": {"path": "c.py", "start_line": 4}, "tags": ["jwt"], "suppression": {"kind": "inline", "reason": "x"}},
        {"rule_id": "sast/sql-injection", "location": {"path": "c.py", "start_line": 7}, "tags": ["injection"]},
    ]}
    rows, total, fp, fn_list, mismatch = score(report, labels, corpus)
    assert total == (2, 2, 2), total
    assert {r[0]: r[1:] for r in rows} == {"cloud": (1, 0, 1), "generic": (0, 1, 1), "jwt": (0, 1, 0), "private-key": (1, 0, 0)}, rows
    assert [l["line"] for l in fn_list] == [3, 5]
    p, r, f1 = prf(*total)
    assert (round(p, 3), round(r, 3), round(f1, 3)) == (0.5, 0.5, 0.5)
    print("self-test ok")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--labels", default=None, help="default: <corpus>/labels.json")
    ap.add_argument("--findings", help="read scan JSON from this file instead of running rampart")
    ap.add_argument("--check", action="store_true", help=f"exit 1 if overall F1 < {TARGET}")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--self-test", action="store_true", help="check the matching logic on a hand-made report and exit")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    labels = json.load(open(a.labels or os.path.join(a.corpus, "labels.json"), encoding="utf-8"))
    report = json.load(open(a.findings, encoding="utf-8")) if a.findings else run_scan(a.corpus)
    rows, total, fp, fn_list, mismatch = score(report, labels, a.corpus)
    f1 = print_table(rows, total)
    if a.verbose:
        for fam, rule, path, line in sorted(fp, key=lambda x: (x[2], x[3])):
            print(f"FP {fam:<16} {rule:<45} {path}:{line}")
        for l in fn_list:
            print(f"FN {l['family']:<16} {str(l.get('rule')):<45} {l['path']}:{l['line']}")
        for lab, rules in mismatch:
            print(f"note: {lab['path']}:{lab['line']} found by {', '.join(rules)}, not by the expected {lab['rule']}")
    if a.check and f1 < TARGET:
        print(f"FAIL: overall F1 {f1:.3f} < {TARGET}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
