#!/usr/bin/env python3
"""Writes crates/rampart-secrets/src/bigram_costs.bin: byte statistics of source code that the
secrets keyword filter uses to choose, for each keyword, its rarest four-byte window.

    scripts/gen_bigram_costs.py CORPUS_DIR [MB]

CORPUS_DIR is any tree of real source (bench/secrets.sh assembles one from crates.io, PyPI and
npm packages). Text is ASCII-lower-cased. Output: 128 bytes of unigram costs, then 128 x 128
bytes of bigram costs (row: previous byte, column: next byte), each cost round(-4 * log2(p)),
capped at 255, with add-one smoothing. Bytes >= 128 are folded to 127.
"""
import math, os, sys

root = sys.argv[1]
limit = int(sys.argv[2] if len(sys.argv) > 2 else 40) << 20
uni = [0] * 128
bi = [[0] * 128 for _ in range(128)]
total = 0
paths = []
for d, _, files in os.walk(root):
    paths.extend(os.path.join(d, f) for f in files)
paths.sort()
# Every 7th file: a spread over all packages rather than the first few.
for p in paths[::7]:
    if total >= limit:
        break
    try:
        data = open(p, "rb").read()
    except OSError:
        continue
    if b"\0" in data[:8000]:
        continue
    data = bytes(min(b, 127) for b in data.lower())
    total += len(data)
    prev = None
    for b in data:
        uni[b] += 1
        if prev is not None:
            bi[prev][b] += 1
        prev = b

def cost(count, whole, n):
    return min(255, round(-4 * math.log2((count + 1) / (whole + n))))

out = bytearray(cost(c, total, 128) for c in uni)
for a in range(128):
    row = sum(bi[a])
    out.extend(cost(c, row, 128) for c in bi[a])
dest = os.path.join(os.path.dirname(__file__), "..", "crates", "rampart-secrets", "src", "bigram_costs.bin")
open(dest, "wb").write(out)
print(f"{total >> 20} MB of source -> {dest} ({len(out)} bytes)")
