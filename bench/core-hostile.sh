#!/usr/bin/env bash
# Core hostile-input benchmark: a 17 MB CycloneDX SBOM on one line, with a vulnerable package
# every 4,000 components (so ~44 findings share that line). Prints the scan's peak RSS, wall time
# and the size of the JSON report. Before snippets and code frames were clipped, each finding
# held the whole line: 2.09 GB peak and a 756 MB report.
# Usage: bench/core-hostile.sh [RAMPART_BINARY]   (default: a release build of this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [[ -z $bin ]]; then
  cargo build --quiet --release -p rampart
  bin=${CARGO_TARGET_DIR:-target}/release/rampart
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RAMPART_DB=$work/db "$bin" db update --from crates/rampart-deps/tests/data/osv >/dev/null
mkdir "$work/project"
python3 - "$work/project/bom.cdx.json" <<'PY'
import json, sys
components = []
i = 0
size = 0
while size < 17_800_000:
    if i % 4000 == 0:
        c = {"type": "library", "name": "time", "version": "0.1.45",
             "purl": "pkg:cargo/time@0.1.45", "bom-ref": f"ref-{i}"}
    else:
        c = {"type": "library", "name": f"package-number-{i}", "version": f"1.{i % 97}.{i % 13}",
             "purl": f"pkg:cargo/package-number-{i}@1.{i % 97}.{i % 13}", "bom-ref": f"ref-{i}"}
    components.append(c)
    size += len(json.dumps(c)) + 1
    i += 1
doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
with open(sys.argv[1], "w") as f:
    json.dump(doc, f, separators=(",", ":"))
PY
ls -l "$work/project/bom.cdx.json" | awk '{printf "input: %.1f MB on one line\n", $5 / 1e6}'
/usr/bin/time -f "peak_rss_kb=%M wall_s=%e" -o "$work/time" \
  env RAMPART_DB="$work/db" "$bin" scan --engines deps --max-file-size 20MB --fail-on never \
  --format json --output "$work/report.json" --quiet "$work/project"
python3 - "$work/report.json" "$work/time" <<'PY'
import json, os, sys
report, timing = sys.argv[1], open(sys.argv[2]).read().split()
t = dict(x.split("=") for x in timing if "=" in x)
v = json.load(open(report))
print(f"findings: {len(v['findings'])}")
print(f"peak RSS: {int(t['peak_rss_kb']) / 1024:.0f} MB")
print(f"wall: {float(t['wall_s']):.2f} s")
print(f"JSON report: {os.path.getsize(report) / 1e3:.0f} kB")
PY
