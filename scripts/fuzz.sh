#!/usr/bin/env bash
# Fuzzes rampart's parsers with cargo-fuzz (libFuzzer) on stable Rust.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]   fuzz one target (or every target) for SECONDS each
#   scripts/fuzz.sh --replay                 build, then replay fuzz/regressions (no fuzzing)
#   scripts/fuzz.sh --list                   list the targets
#
# Environment: FUZZ_JOBS (targets fuzzed at once, default 1), FUZZ_CORPUS (corpus root, default
# fuzz/corpus), CARGO_TARGET_DIR (default $HOME/.cache/rampart/fuzz-target), FUZZ_SANITIZER
# (none by default; `address` works too on stable, slower).
#
# Exits 1 when a target crashes (panic, stack overflow, out of memory, timeout) with an input
# that is not a known open crash (fuzz/known-crashes.tsv), printing the input's path; also when a
# regression input that is not listed as open crashes. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
fuzz=$repo/fuzz

target=${1:-all}
seconds=${2:-60}
jobs=${FUZZ_JOBS:-1}
sanitizer=${FUZZ_SANITIZER:-none}
corpus_root=${FUZZ_CORPUS:-$fuzz/corpus}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rampart/fuzz-target}
# With `--sanitizer none` cargo-fuzz passes only stable `-C` flags (sanitizer-coverage
# instrumentation), so stable rustc builds the targets as they are. A sanitizer needs
# `-Zsanitizer`, which stable rustc accepts with RUSTC_BOOTSTRAP. (Changing RUSTC_BOOTSTRAP
# rebuilds every dependency: keep it the same between runs that share a target dir.)
if [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi

targets() {
  sed -n 's/^name = "\(.*\)"$/\1/p' "$fuzz/Cargo.toml" | grep -v '^rampart-fuzz$'
}

if [ "$target" = --list ]; then
  targets
  exit 0
fi

if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi
if ! command -v c++ >/dev/null && ! command -v g++ >/dev/null; then
  # libfuzzer-sys compiles libFuzzer's C++ sources.
  apt-get update -qq && apt-get install -y -qq g++
fi

build_flags=(--sanitizer "$sanitizer" --fuzz-dir "$fuzz")
bin_dir=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release

echo "fuzz: building the targets (target dir $CARGO_TARGET_DIR)"
start=$(date +%s)
if [ "$target" = all ] || [ "$target" = --replay ]; then
  cargo fuzz build "${build_flags[@]}"
else
  cargo fuzz build "${build_flags[@]}" "$target"
fi
echo "fuzz: built in $(($(date +%s) - start)) s"

# Known open crashes: target, a fixed string of its log that identifies the crash, the
# regression input, a note. Tab-separated; lines starting with # are comments.
known=$fuzz/known-crashes.tsv

# is_known TARGET LOG: whether LOG shows a crash listed as open for TARGET.
is_known() {
  [ -f "$known" ] || return 1
  local t=$1 log=$2 kt pattern _
  while IFS=$'\t' read -r kt pattern _; do
    case $kt in '#'* | '') continue ;; esac
    if [ "$kt" = "$t" ] && grep -qF -- "$pattern" "$log"; then
      return 0
    fi
  done <"$known"
  return 1
}

# Whether a regression input is listed as a known open crash.
is_open_regression() {
  [ -f "$known" ] || return 1
  local file=$1 _t _p kfile
  while IFS=$'\t' read -r _t _p kfile _; do
    case $_t in '#'* | '') continue ;; esac
    [ "fuzz/regressions/$kfile" = "$file" ] && return 0
  done <"$known"
  return 1
}

failed=0

# Replays fuzz/regressions/<target>/* (except known open crashes): every input must pass.
replay() {
  local dir t f
  for dir in "$fuzz"/regressions/*/; do
    [ -d "$dir" ] || continue
    t=$(basename "$dir")
    for f in "$dir"*; do
      [ -f "$f" ] || continue
      local rel=fuzz/regressions/$t/$(basename "$f")
      if is_open_regression "$rel"; then
        echo "fuzz: replay $rel: skipped (listed as an open crash in fuzz/known-crashes.tsv)"
        continue
      fi
      if "$bin_dir/$t" -rss_limit_mb=2048 -timeout=20 "$f" >"$CARGO_TARGET_DIR/replay.log" 2>&1; then
        echo "fuzz: replay $rel: ok"
      else
        echo "fuzz: replay $rel: CRASH"
        tail -40 "$CARGO_TARGET_DIR/replay.log"
        failed=1
      fi
    done
  done
}

replay
if [ "$target" = --replay ]; then
  exit $failed
fi

# dict_of TARGET: the dictionary (fuzz/dict/NAME.dict) that suits the target's input, if any.
dict_of() {
  case $1 in
    iac_yaml | iac_kustomize | engine_iac | threat_model) echo yaml ;;
    iac_terraform) echo hcl ;;
    iac_helm) echo gotpl ;;
    iac_dockerfile) echo dockerfile ;;
    sast_python) echo python ;;
    sast_javascript | sast_typescript) echo javascript ;;
    deps_sbom | deps_osv | deps_vex | core_baseline | attest_verify | server_admission) echo json ;;
    secrets_rules | iac_checks | core_config) echo toml ;;
    sast_rules) echo yaml ;;
    *) echo "" ;;
  esac
}

# fuzz_one TARGET: fuzzes for $seconds; prints one line (and the crash input when it crashed).
fuzz_one() {
  local t=$1
  local corpus=$corpus_root/$t artifacts=$fuzz/artifacts/$t
  local log=$CARGO_TARGET_DIR/fuzz-$t.log
  mkdir -p "$corpus" "$artifacts"
  local dict=() d
  d=$(dict_of "$t")
  [ -n "$d" ] && dict=(-dict="$fuzz/dict/$d.dict")
  local seeds=()
  [ -d "$fuzz/corpus/$t" ] && [ "$fuzz/corpus/$t" != "$corpus" ] && seeds=("$fuzz/corpus/$t")
  local rc=0
  "$bin_dir/$t" "$corpus" "${seeds[@]}" "${dict[@]}" \
    -artifact_prefix="$artifacts/" -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || rc=$?
  local cov execs
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc = 0 ]; then
    echo "fuzz: $t: ok (${seconds} s, ${execs:-?} runs, cov ${cov:-?})"
    return 0
  fi
  local input
  input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  if is_known "$t" "$log"; then
    echo "fuzz: $t: known open crash (fuzz/known-crashes.tsv), input ${input:-?}; not failing"
    return 0
  fi
  echo "fuzz: $t: CRASH (exit $rc), input: ${input:-see log}"
  grep -E -A30 "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -60
  echo "fuzz: full log: $log"
  return 1
}

if [ "$target" = all ]; then
  list=$(targets)
else
  list=$target
fi
[ -d "$fuzz/corpus" ] || "$fuzz/seed.sh"

# Each target writes its result to a status file (background jobs' exit codes are not kept).
status_dir=$CARGO_TARGET_DIR/fuzz-status
rm -rf "$status_dir"
mkdir -p "$status_dir"
for t in $list; do
  (
    rc=0
    fuzz_one "$t" || rc=$?
    echo $rc >"$status_dir/$t"
  ) &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
done
wait
passed=0
crashed=0
for t in $list; do
  if [ "$(cat "$status_dir/$t" 2>/dev/null || echo 1)" = 0 ]; then
    passed=$((passed + 1))
  else
    crashed=$((crashed + 1))
    failed=1
  fi
done
echo "fuzz: $passed passed, $crashed failed"
exit $failed
