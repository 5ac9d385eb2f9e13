#!/usr/bin/env python3
"""Compares two rampart JSON reports' findings (rule, place, path count, traces), sorted."""
import json, sys
def key(f):
    return json.dumps({k: f.get(k) for k in ("rule_id", "location", "path_count", "trace", "more_traces", "fingerprint")}, sort_keys=True)
a = sorted(key(f) for f in json.load(open(sys.argv[1]))["findings"])
b = sorted(key(f) for f in json.load(open(sys.argv[2]))["findings"])
sa, sb = set(a), set(b)
print(f"{sys.argv[1]}: {len(a)} findings, {sys.argv[2]}: {len(b)}; only in first: {len(sa - sb)}, only in second: {len(sb - sa)}, identical: {a == b}")
for x in sorted(sa - sb)[:5]: print("  -", x[:300])
for x in sorted(sb - sa)[:5]: print("  +", x[:300])
