#!/usr/bin/env python3
"""Writes crates/rampart-secrets/src/window_counts.bin: how common each four-byte window is in
source code, which the secrets keyword filter uses to choose the rarest windows of each keyword.

    scripts/gen_window_counts.py CORPUS_DIR [MB]

CORPUS_DIR is any tree of real source (bench/secrets.sh assembles one from crates.io, PyPI and
npm packages); every 7th file is read, up to MB megabytes. Windows are folded like the filter
folds them (bit 5 set in every byte) and counted in 65,536 buckets by the filter's own hash
(multiply by 0x9E3779B1, top 16 bits); a shared bucket only overestimates. Each bucket is stored
as one byte: round(8 * log2(count + 1)), capped at 255.
"""
import math, os, sys

root = sys.argv[1]
limit = int(sys.argv[2] if len(sys.argv) > 2 else 40) << 20
counts = [0] * 65536
paths = []
for d, _, files in os.walk(root):
    paths.extend(os.path.join(d, f) for f in files)
paths.sort()
total = 0
for p in paths[::7]:
    if total >= limit:
        break
    try:
        data = open(p, "rb").read()
    except OSError:
        continue
    if b"\0" in data[:8000]:
        continue
    total += len(data)
    folded = bytes(b | 0x20 for b in data)
    for i in range(len(folded) - 3):
        w = int.from_bytes(folded[i:i + 4], "little")
        counts[((w * 0x9E3779B1) & 0xFFFFFFFF) >> 16] += 1
out = bytes(min(255, round(8 * math.log2(c + 1))) for c in counts)
dest = os.path.join(os.path.dirname(__file__), "..", "crates", "rampart-secrets", "src", "window_counts.bin")
open(dest, "wb").write(out)
print(f"{total >> 20} MB of source -> {dest}")
