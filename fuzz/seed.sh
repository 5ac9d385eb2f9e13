#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's test fixtures, rule files and the small
# hand-written inputs in fuzz/seeds/<target>/. The corpus is not committed (fuzz/.gitignore);
# run this once, then `scripts/fuzz.sh` (libFuzzer adds what it finds to the same folders).
#
# Targets that pick a file name by the first byte (see each target's NAMES) get that byte
# prepended; multi-file targets get their parts joined by a 0xFF byte.
set -euo pipefail
cd "$(dirname "$0")"
repo=..
out=corpus
mkdir -p "$out"

# put TARGET FILE [INDEX]: copies FILE, with byte INDEX before it when given.
put() {
  local target=$1 file=$2 index=${3:-}
  [ -f "$file" ] || return 0
  mkdir -p "$out/$target"
  local name
  name="$(echo "$file" | tr '/' '_' | sed 's/^[._]*//')"
  if [ -n "$index" ]; then
    { printf "\\x$(printf %02x "$index")"; cat "$file"; } >"$out/$target/$name"
  else
    cp "$file" "$out/$target/$name"
  fi
}

# join TARGET NAME FILE...: the files' contents joined by 0xFF bytes.
join() {
  local target=$1 name=$2
  shift 2
  mkdir -p "$out/$target"
  local first=1
  for f in "$@"; do
    [ $first = 1 ] || printf '\xff'
    first=0
    cat "$f"
  done >"$out/$target/$name"
}

# index_of NAME LIST...: position of NAME in LIST (empty when absent).
index_of() {
  local want=$1 i=0
  shift
  for n in "$@"; do
    if [ "$n" = "$want" ]; then
      echo $i
      return
    fi
    i=$((i + 1))
  done
}

# names_of ARRAY TARGET: sets ARRAY to the file names of the target's `const NAMES` list, in
# order (an input's first byte picks one of them by its position).
names_of() {
  mapfile -t "$1" < <(sed -n '/^const NAMES/,/^];/s/^ *"\(.*\)",$/\1/p' "fuzz_targets/$2.rs")
  local -n names=$1
  [ ${#names[@]} -gt 0 ] || { echo "seed.sh: no NAMES list in fuzz_targets/$2.rs" >&2; exit 1; }
}

# Committed seeds.
for dir in seeds/*/; do
  t=$(basename "$dir")
  for f in "$dir"*; do put "$t" "$f"; done
done

# deps: lockfiles.
names_of LOCK_NAMES deps_lockfile
names_of ENGINE_DEPS_NAMES engine_deps
names_of POLICY_NAMES policy_sources
lockdir=$repo/crates/rampart-deps/tests/data/lockfiles
for f in "$lockdir"/*; do
  name=$(basename "$f")
  case $name in
    berry-yarn.lock) name=yarn.lock ;;
    pnpm6-lock.yaml) name=pnpm-lock.yaml ;;
    requirements-base.in) continue ;;
  esac
  i=$(index_of "$name" "${LOCK_NAMES[@]}")
  [ -n "$i" ] && put deps_lockfile "$f" "$i"
  i=$(index_of "$name" "${POLICY_NAMES[@]}")
  [ -n "$i" ] && put policy_sources "$f" "$i"
  [ "$name" = npm-shrinkwrap.json ] && name=package-lock.json
  i=$(index_of "$name" "${ENGINE_DEPS_NAMES[@]}")
  [ -n "$i" ] && put engine_deps "$f" "$i"
done
# requirements.txt with its `-r` include as the second part.
if [ -f "$lockdir/requirements.txt" ] && [ -f "$lockdir/requirements-base.in" ]; then
  i=$(index_of requirements.txt "${LOCK_NAMES[@]}")
  { printf "\\x$(printf %02x "$i")"; cat "$lockdir/requirements.txt"; printf '\xff'
    cat "$lockdir/requirements-base.in"; } >"$out/deps_lockfile/requirements-with-include"
fi
# deps: manifests read without a lockfile.
names_of MANIFEST_NAMES deps_manifest
for f in "$repo"/crates/rampart-deps/tests/data/manifests/*/*; do
  name=$(basename "$f")
  case $name in *.csproj) name=App.csproj ;; esac
  i=$(index_of "$name" "${MANIFEST_NAMES[@]}")
  [ -n "$i" ] && put deps_manifest "$f" "$i"
done
for f in seeds/deps_sbom/*; do
  case $f in
    *spdx*) put engine_deps "$f" "$(index_of sbom.spdx.json "${ENGINE_DEPS_NAMES[@]}")" ;;
    *) put engine_deps "$f" "$(index_of bom.cdx.json "${ENGINE_DEPS_NAMES[@]}")" ;;
  esac
done

# server: the admission webhook's AdmissionReview fixtures.
for f in "$repo"/crates/rampart-server/tests/data/admission/*.json; do
  put server_admission "$f"
done

# ingest: the importers' fixtures, sniffed (first byte 0).
for f in "$repo"/crates/rampart-ingest/tests/data/*.json "$repo"/crates/rampart-ingest/tests/data/*.sarif; do
  put ingest_import "$f" 0
done

# deps: OSV records (mode 0), an export zip of them (mode 1), KEV (mode 3).
osvdir=$repo/crates/rampart-deps/tests/data/osv
for f in "$osvdir"/*/*.json; do put deps_osv "$f" 0; done
if command -v python3 >/dev/null; then
  python3 - "$osvdir" "$out/deps_osv/all.zip" <<'PY'
import pathlib, sys, zipfile
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
tmp = dst.with_suffix(".tmp")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(src.glob("PyPI/*.json"))[:4]:
        z.write(f, f.name)
dst.write_bytes(b"\x01" + tmp.read_bytes())
tmp.unlink()
PY
fi
put deps_osv "$repo/crates/rampart-deps/tests/data/kev/known_exploited_vulnerabilities.json" 3

# api: the vulnerable API's specs and every rule example's spec, read as openapi.yaml.
for f in "$repo"/crates/rampart-api/tests/fixtures/vulnapi/*.yaml; do put api_spec "$f" 0; done
python3 - "$repo/crates/rampart-api/rules" "$out/api_spec" <<'PY'
import pathlib, sys, tomllib
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
dst.mkdir(parents=True, exist_ok=True)
for f in sorted(src.glob("*.toml")):
    for i, ex in enumerate(tomllib.loads(f.read_text()).get("examples", [])):
        (dst / f"rule_{f.stem}_{i}").write_bytes(b"\x00" + ex["text"].encode())
PY

# iac.
iacfix=$repo/crates/rampart-iac/tests/fixtures
names_of ENGINE_IAC_NAMES engine_iac
# put_iac NAME FILE: FILE as an engine_iac input read as NAME (one of its NAMES).
put_iac() {
  local i
  i=$(index_of "$1" "${ENGINE_IAC_NAMES[@]}")
  [ -n "$i" ] || { echo "seed.sh: $1 is not in fuzz_targets/engine_iac.rs NAMES" >&2; exit 1; }
  put engine_iac "$2" "$i"
}
while IFS= read -r f; do put iac_yaml "$f"; done < <(find "$iacfix" -name '*.yaml' -o -name '*.yml' -o -name '*.json')
while IFS= read -r f; do
  put iac_terraform "$f" 0
  put_iac main.tf "$f"
done < <(find "$iacfix" -name '*.tf')
while IFS= read -r f; do put_iac terraform.tfvars "$f"; done < <(find "$iacfix" -name '*.tfvars')
put_iac plan.json "$iacfix/plan/plan.json"
put_iac k8s/deployment.yaml "$iacfix/kustomize/base/deployment.yaml"
put_iac k8s/deployment.yaml "$iacfix/kustomize/overlays/prod/privileged.yaml"
put_iac .github/workflows/ci.yml "$iacfix/gha/.github/workflows/triage.yml"
put_iac Dockerfile seeds/iac_dockerfile/Dockerfile
for chart in chart helm-create; do
  for t in "$iacfix/$chart"/templates/*.yaml; do
    join iac_helm "$chart-$(basename "$t")" "$t" "$iacfix/$chart/values.yaml" "$iacfix/$chart/Chart.yaml"
  done
done
join iac_helm helm-create-deployment-helpers "$iacfix/helm-create/templates/deployment.yaml" \
  "$iacfix/helm-create/values.yaml" "$iacfix/helm-create/Chart.yaml"
while IFS= read -r f; do put iac_checks "$f"; done < <(find "$repo/crates/rampart-iac/checks" -name '*.toml')

# sast.
sastfix=$repo/crates/rampart-sast/tests/fixtures
while IFS= read -r f; do
  put sast_python "$f"
  put engine_sast "$f" 0
done < <(find "$sastfix" -name '*.py')
while IFS= read -r f; do
  put sast_go "$f"
done < <(find "$sastfix" -name '*.go')
while IFS= read -r f; do
  put sast_javascript "$f"
  put engine_sast "$f" 1
done < <(find "$sastfix" -name '*.js' -o -name '*.jsx')
while IFS= read -r f; do
  put sast_typescript "$f" 0
  put engine_sast "$f" 2
done < <(find "$sastfix" -name '*.ts')
while IFS= read -r f; do
  put sast_typescript "$f" 1
  put engine_sast "$f" 3
done < <(find "$sastfix" -name '*.tsx')
while IFS= read -r f; do
  put sast_java "$f"
  put engine_sast "$f" 4
done < <(find "$sastfix" -name '*.java')
while IFS= read -r f; do put sast_rules "$f"; done < <(find "$repo/crates/rampart-sast/rules" -name '*.yaml' -o -name '*.yml')

# secrets.
for f in "$repo"/crates/rampart-secrets/rules/*.toml; do put secrets_rules "$f"; done
while IFS= read -r f; do put engine_secrets "$f" 0; done < <(find "$repo/crates/rampart-secrets/tests/corpus" -type f -size -64k)

# core.
put core_config "$repo/rampart.toml"
for f in "$repo"/crates/rampart-threat/tests/data/threagile/*.yaml "$repo"/examples/threat-model/threatmodel.yaml "$repo"/examples/threat-model/docker-compose.yml "$repo"/examples/threat-model/k8s/*.yaml; do
  put threat_model "$f"
done

echo "seeded $(find "$out" -type f | wc -l) inputs in $(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l) targets under fuzz/$out"
