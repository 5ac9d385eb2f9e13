#!/usr/bin/env bash
# Time and peak memory of a SAST scan of hostile inputs, each generated here beside a planted
# Flask finding: deep nesting (JS functions, blocks, parentheses; Python parentheses, `if`s,
# lambdas), a 100k-term string concatenation, a huge object literal just under the 2 MB SAST
# bound, and a 10 MB one-line bundle (over it). Prints one row per input: exit code, wall
# seconds, peak RSS (MiB), and the SAST diagnostics for the file.
#
# Environment: RAMPART (a prebuilt binary; otherwise the release build is made), BENCH_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/rampart-hostile-sast}"
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
if [ -n "${RAMPART:-}" ]; then
  rampart="$RAMPART"
else
  (cd "$here" && cargo build --quiet --release -p rampart)
  rampart="${CARGO_TARGET_DIR:-$here/target}/release/rampart"
fi
rm -rf "$work" && mkdir -p "$work"
python3 - "$work" <<'PY'
import os, sys
w = sys.argv[1]
cases = {
  "js-functions/a.js": "function f(){" * 800 + "}" * 800,
  "js-blocks/a.js": "{" * 2000 + "}" * 2000,
  "js-parens/a.js": "x = " + "(" * 16000 + "1" + ")" * 16000 + ";",
  "js-concat/a.js": "x = 'a'" + " + a" * 100000 + ";",
  "js-object/a.js": "var o = {" + ",".join(f"k{i}: req.query.v{i}" for i in range(80000)) + "};\neval(o.k1);",
  "js-minified/a.js": "var a=[" + "\"x\",f(y)," * (1_900_000 // 11) + "];",
  "js-bundle/a.js": "var a=[" + "[1,2,3,'x']," * (10_000_000 // 12) + "];",
  "py-parens/a.py": "x = " + "(" * 16000 + "1" + ")" * 16000 + "\n",
  "py-ifs/a.py": "".join(" " * i + "if a:\n" for i in range(1000)) + " " * 1000 + "b()\n",
  "py-lambdas/a.py": "x = " + "lambda: " * 3000 + "1\n",
  "py-concat/a.py": "x = 'a'" + " + a" * 100000 + "\n",
}
for rel, text in cases.items():
    d = os.path.join(w, os.path.dirname(rel))
    os.makedirs(d, exist_ok=True)
    open(os.path.join(w, rel), "w").write(text)
    open(os.path.join(d, "views.py"), "w").write(
        "from flask import request\n\ndef run():\n    eval(request.args['x'])\n")
PY
printf '%-12s %5s %8s %9s  %s\n' input exit wall_s rss_mib "diagnostics for the file"
for d in "$work"/*/; do
  name=$(basename "$d")
  set +e
  /usr/bin/time -f '%e %M' -o "$work/$name.time" "$rampart" scan "$d" --engines sast \
    --format json --fail-on never >"$work/$name.json" 2>/dev/null
  code=$?
  set -e
  read -r wall rss <"$work/$name.time"
  diags=$(python3 -c "
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print('no report'); sys.exit()
planted = any(f['location']['path'] == 'views.py' for f in d['findings'])
msgs = [x['message'][:70] for x in d['diagnostics'] if x.get('path', '').startswith('a.')]
print(('planted ok; ' if planted else 'PLANTED MISSING; ') + ('; '.join(msgs) or '-'))
" "$work/$name.json")
  printf '%-12s %5s %8s %9d  %s\n' "$name" "$code" "$wall" "$((rss / 1024))" "$diags"
done
