#!/usr/bin/env bash
# Hostile-input benchmark: what one malicious or broken input costs a scan, and whether the
# findings beside it survive.
#
#   bench/hostile.sh [WORKDIR] [CASE...]
#
# Builds the release binary, generates each hostile input of the hostile-input issue in its own
# folder under WORKDIR (default /tmp/rampart-hostile) beside an ordinary planted finding (an AWS
# access key ID that the secrets rule really reports), runs `rampart scan --format json` (or the
# command the case is about) under /usr/bin/time -v with a timeout (TIMEOUT, default 120 s) and
# an address-space limit (MEM_LIMIT_GB, default 8), and prints one table row per case: exit code,
# wall time, peak RSS, report size, whether the planted findings were reported, and whether a
# diagnostic names the hostile input. Nothing here is asserted: the table is the result; see
# bench/RESULTS-hostile.md for the figures and what each case should do.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/rampart-hostile}"
shift || true
ONLY="$*"
TIMEOUT="${TIMEOUT:-120}"
MEM_LIMIT_GB="${MEM_LIMIT_GB:-8}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart/hostile-target}"

command -v python3 >/dev/null || { echo "python3 is required"; exit 2; }
command -v git >/dev/null || { echo "git is required"; exit 2; }
if [ ! -x /usr/bin/time ]; then
  echo "== installing GNU time (Debian package \`time\`)"
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

echo "== building rampart (release, $CARGO_TARGET_DIR)"
(cd "$ROOT" && cargo build -q --release -p rampart) || exit 2
# A copy that every user may run (the unreadable-files case runs as `nobody`).
mkdir -p "$WORK/bin"
chmod 755 "$WORK" "$WORK/bin"
cp "$CARGO_TARGET_DIR/release/rampart" "$WORK/bin/rampart"
chmod 755 "$WORK/bin/rampart"

export RAMPART_BIN="$WORK/bin/rampart" WORK TIMEOUT MEM_LIMIT_GB ONLY
python3 - <<'PY'
"""Generates the cases, runs them, prints the table."""
import io, json, os, pathlib, shutil, stat, subprocess, sys, time, zipfile, zlib

BIN = os.environ["RAMPART_BIN"]
WORK = pathlib.Path(os.environ["WORK"]) / "cases"
TIMEOUT = int(os.environ["TIMEOUT"])
MEM = int(os.environ["MEM_LIMIT_GB"]) << 30
ONLY = os.environ.get("ONLY", "").split()

# The planted finding: a key the rule's own positive examples use (built here, so that this
# script itself holds no key for rampart's self-scan to report).
KEY = "AKIA" + "AAXPNVWNLHECAM3L"
AWS = "secrets/aws-access-key-id"
S3 = "iac/tf-aws-s3-public-acl"


def plant(d: pathlib.Path):
    (d / "config").mkdir(parents=True, exist_ok=True)
    (d / "config" / "settings.py").write_text(f'aws_access_key_id = "{KEY}"\n')


def fresh(name: str) -> pathlib.Path:
    d = WORK / name
    if d.exists():
        for p in d.rglob("*"):  # chmod 000 files from a previous run
            if not p.is_symlink():
                os.chmod(p, 0o755)
        shutil.rmtree(d)
    d.mkdir(parents=True)
    plant(d)
    return d


def nested_yaml(head: str, depth: int) -> str:
    lines = [head]
    for i in range(depth):
        lines.append(" " * (i + 1) + f"k{i}:")
    lines.append(" " * (depth + 1) + "leaf")
    return "\n".join(lines) + "\n"


# Each case: name, folder, arguments, planted rules that must be reported, a substring naming
# the hostile input in diagnostics or messages, environment, whether to run as `nobody`,
# and a rule/package pair that must NOT be reported.
CASES = []


def case(name, d, args=None, expect=(AWS,), hostile="", env=None, nobody=False, forbid=None,
         setup=None):
    CASES.append(dict(name=name, dir=d, args=args, expect=list(expect), hostile=hostile,
                      env=env or {}, nobody=nobody, forbid=forbid, setup=setup))


def gen_yaml():
    d = fresh("yaml-gha-3000")
    (d / ".github" / "workflows").mkdir(parents=True)
    (d / ".github/workflows/deep.yml").write_text(
        "on: push\njobs:\n build:\n  runs-on: ubuntu-latest\n  steps:\n   - run: echo\n"
        + nested_yaml("env:", 3000))
    case("yaml-gha-3000", d, hostile="deep.yml")
    d = fresh("yaml-k8s-3000")
    (d / "k8s").mkdir()
    (d / "k8s/deep.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n name: deep\n" + nested_yaml("data:", 3000))
    case("yaml-k8s-3000", d, hostile="deep.yaml")
    d = fresh("yaml-compose-3000")
    (d / "docker-compose.yml").write_text(
        "services:\n web:\n  image: nginx\n" + nested_yaml("x-deep:", 3000))
    case("yaml-compose-3000", d, hostile="docker-compose.yml")


def gen_code():
    d = fresh("js-800-functions")
    (d / "deep.js").write_text(
        "".join(f"function f{i}(a) {{\n" for i in range(800)) + "eval(a);\n" + "}\n" * 800)
    case("js-800-functions", d, hostile="deep.js")
    d = fresh("js-2000-blocks")
    (d / "deep.js").write_text("function f(a) {\n" + "{" * 2000 + "eval(a);" + "}" * 2000 + "\n}\n")
    case("js-2000-blocks", d, hostile="deep.js")
    d = fresh("js-16000-parens")
    (d / "deep.js").write_text("const x = " + "(" * 16000 + "1" + ")" * 16000 + ";\n")
    case("js-16000-parens", d, hostile="deep.js")
    d = fresh("py-800-functions")
    (d / "deep.py").write_text(
        "".join(" " * i + f"def f{i}(a):\n" for i in range(800)) + " " * 800 + "eval(a)\n")
    case("py-800-functions", d, hostile="deep.py")
    d = fresh("py-2000-blocks")
    (d / "deep.py").write_text(
        "def f(a):\n" + "".join(" " * (i + 1) + "if a:\n" for i in range(2000))
        + " " * 2001 + "eval(a)\n")
    case("py-2000-blocks", d, hostile="deep.py")
    d = fresh("py-16000-parens")
    (d / "deep.py").write_text("x = " + "(" * 16000 + "1" + ")" * 16000 + "\n")
    case("py-16000-parens", d, hostile="deep.py")


def gen_terraform():
    d = fresh("tf-module-cycle")
    (d / "infra" / "child").mkdir(parents=True)
    (d / "infra/main.tf").write_text(
        'module "self" {\n  source = "./"\n}\n\nmodule "child" {\n  source = "./child"\n}\n\n'
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n  acl    = "public-read"\n}\n')
    (d / "infra/child/main.tf").write_text('module "parent" {\n  source = "../"\n}\n')
    case("tf-module-cycle", d, expect=(AWS, S3), hostile="main.tf")


def gen_lockfiles():
    d = fresh("pipfile-lock-82k")
    h = "a" * 64
    entries = [f'"p{i:05d}":{{"hashes":["sha256:{h}"],"version":"==1.0.{i % 10}"}}'
               for i in range(82000)]
    body = '{"_meta": {"hash": {"sha256": "%s"}, "pipfile-spec": 6, "requires": {}, "sources": []},\n "default": {\n  %s\n },\n "develop": {}\n}\n' % (h, ",".join(entries))
    # Pad to 9.98 MB, under the 10 MiB default size limit.
    target = 9_980_000
    if len(body) < target:
        body = body[:-2] + " " * (target - len(body)) + "}\n"
    (d / "Pipfile.lock").write_text(body)
    case("pipfile-lock-82k", d, hostile="Pipfile.lock")
    d = fresh("package-lock-200k")
    def b36(n):
        s = ""
        while True:
            n, r = divmod(n, 36)
            s = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + s
            if n == 0:
                return s
    pk = ",".join(f'"node_modules/{b36(i)}":{{"version":"1.0.0"}}' for i in range(200000))
    (d / "package-lock.json").write_text(
        '{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app"},'
        + pk + "}}\n")
    case("package-lock-200k", d, hostile="package-lock.json")


def gen_helm():
    d = fresh("helm-alias-bomb")
    t = d / "chart" / "templates"
    t.mkdir(parents=True)
    (d / "chart/Chart.yaml").write_text("apiVersion: v2\nname: bomb\nversion: 0.1.0\n")
    lines = ['a0: &a0 ["' + "x" * 64 + '"' + ', "x"' * 9 + "]"]
    for i in range(1, 40):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    lines.append("z: *a39")
    values = "\n".join(lines) + "\n"
    while len(values) < 9000:
        values += "# padding\n"
    (d / "chart/values.yaml").write_text(values)
    (t / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n"
        "{{- range until 1000 }}\n  k{{ . }}: {{ toJson $.Values.z | quote }}\n{{- end }}\n")
    case("helm-alias-bomb", d, hostile="cm.yaml")


def gen_cyclonedx():
    d = fresh("cyclonedx-17mb")
    comps = []
    i = 0
    size = 0
    while size < 17_000_000:
        c = ('{"type":"library","bom-ref":"pkg:npm/p%d@1.0.0","name":"p%d","version":"1.0.0",'
             '"purl":"pkg:npm/p%d@1.0.0","description":"%s"}' % (i, i, i, "d" * 60))
        comps.append(c)
        size += len(c) + 1
        i += 1
    (d / "bom.cdx.json").write_text(
        '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":['
        + ",".join(comps) + "]}")
    case("cyclonedx-17mb", d, args=["--sbom", str(d / "bom.cdx.json")], hostile="bom.cdx.json")


def gen_zip_bomb():
    d = fresh("db-zip-2gib-entry")
    mirror = d / "mirror" / "PyPI"
    mirror.mkdir(parents=True)
    # One entry of 2 GiB of spaces (valid JSON white space but no record), deflated to ~2 MB.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("GHSA-bomb.json", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 24)
            for _ in range(128):
                f.write(chunk)
    (mirror / "all.zip").write_bytes(buf.getvalue())
    db = d / "db"
    db.mkdir()
    case("db-zip-2gib-entry", d,
         args=["db", "update", "--from", str(d / "mirror"), "--no-kev", "--ecosystems", "PyPI"],
         expect=(), hostile="all.zip", env={"RAMPART_DB": str(db)})


def gen_huge_version():
    d = fresh("requirements-u64-overflow")
    (d / "requirements.txt").write_text("requests==18446744073709551616\n")
    mirror = WORK / "requirements-u64-overflow-mirror" / "PyPI"
    if mirror.parent.exists():
        shutil.rmtree(mirror.parent)
    mirror.mkdir(parents=True)
    (mirror / "PYSEC-0000-1.json").write_text(json.dumps({
        "id": "PYSEC-0000-1", "modified": "2024-01-01T00:00:00Z",
        "summary": "requests test advisory",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}))
    db = WORK / "requirements-u64-overflow-db"
    if db.exists():
        shutil.rmtree(db)
    db.mkdir()
    def setup():
        r = subprocess.run([BIN, "db", "update", "--from", str(mirror.parent), "--no-kev",
                            "--ecosystems", "PyPI"], env={**os.environ, "RAMPART_DB": str(db)},
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"   (db update for requirements-u64-overflow failed: {r.stderr.strip()})")
    case("requirements-u64-overflow", d, hostile="requirements.txt",
         env={"RAMPART_DB": str(db)}, forbid=("deps/", "requests"), setup=setup)


def git(d, *args):
    subprocess.run(["git", "-C", str(d), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "h", "GIT_AUTHOR_EMAIL": "h@example.invalid",
                        "GIT_COMMITTER_NAME": "h", "GIT_COMMITTER_EMAIL": "h@example.invalid"})


def gen_filesystem():
    # A corrupt commit object under --history.
    d = fresh("history-corrupt-commit")
    git(d, "init", "-q", "-b", "main")
    git(d, "add", "-A")
    git(d, "commit", "-q", "-m", "first")
    first = subprocess.run(["git", "-C", str(d), "rev-parse", "HEAD"], capture_output=True,
                           text=True).stdout.strip()
    (d / "README.md").write_text("second\n")
    git(d, "add", "-A")
    git(d, "commit", "-q", "-m", "second")
    obj = d / ".git" / "objects" / first[:2] / first[2:]
    os.chmod(obj, 0o644)
    obj.write_bytes(zlib.compress(b"commit 9999\0garbage that is no commit"))
    case("history-corrupt-commit", d, args=["--history"], hostile=first[:7])

    d = fresh("symlink-loop")
    os.symlink("b", d / "a")
    os.symlink("a", d / "b")
    (d / "dir").mkdir()
    os.symlink("..", d / "dir" / "up")
    os.symlink(".", d / "dir" / "self")
    case("symlink-loop", d, hostile="dir")

    d = fresh("fifo")
    os.mkfifo(d / "values.yaml")
    os.mkfifo(d / "secrets.env")
    case("fifo", d, hostile="secrets.env")

    d = fresh("newline-name")
    (d / "bad\nname.env").write_text(f"aws_access_key_id = {KEY}\n")
    case("newline-name", d, hostile="name.env")

    d = fresh("non-utf8-name")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(os.fsencode(d), b"\xff\xfe-config.env"), "w") as f:
        f.write(f"aws_access_key_id = {KEY}\n")
    case("non-utf8-name", d, hostile="config.env")

    d = fresh("all-unreadable")
    (d / "app.py").write_text("print('hi')\n")
    for p in d.rglob("*"):
        if p.is_file():
            os.chmod(p, 0)
    for p in [d, *[p for p in d.rglob("*") if p.is_dir()]]:
        os.chmod(p, 0o755)
    # Every folder on the way must be traversable by `nobody`.
    for p in [WORK, *WORK.parents]:
        if str(p) in ("/", "/tmp"):
            break
        os.chmod(p, os.stat(p).st_mode | 0o111)
    case("all-unreadable", d, expect=(), hostile="settings.py", nobody=True)

    d = fresh("lockfile-over-limit")
    pk = ",".join(f'"node_modules/p{i}":{{"version":"1.0.{i % 10}","resolved":"https://registry.npmjs.org/p{i}/-/p{i}-1.0.0.tgz"}}'
                  for i in range(120000))
    (d / "package-lock.json").write_text('{"lockfileVersion":3,"packages":{' + pk + "}}\n")
    case("lockfile-over-limit", d, args=["--verbose"], hostile="package-lock.json")

    d = fresh("baseline-empty-list")
    (d / "baseline.json").write_text("[]\n")
    case("baseline-empty-list", d, args=["--baseline", str(d / "baseline.json")],
         hostile="baseline.json")

    d = fresh("config-max-size-10XB")
    (d / "rampart.toml").write_text('[scan]\nmax_file_size = "10XB"\n')
    case("config-max-size-10XB", d, hostile="rampart.toml")


GENERATORS = [gen_yaml, gen_code, gen_terraform, gen_lockfiles, gen_helm, gen_cyclonedx,
              gen_zip_bomb, gen_huge_version, gen_filesystem]


def limit():
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEM, MEM))


def run(c):
    out = WORK / f"{c['name']}.report.json"
    err = WORK / f"{c['name']}.stderr"
    tv = WORK / f"{c['name']}.time"
    if c["args"] and c["args"][0] == "db":
        cmd = [BIN, *c["args"]]
    else:
        cmd = [BIN, "scan", str(c["dir"]), "--format", "json", "--fail-on", "never",
               *(c["args"] or [])]
    if c["nobody"]:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    full = ["timeout", "-k", "5", str(TIMEOUT), "/usr/bin/time", "-v", "-o", str(tv), *cmd]
    t0 = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        p = subprocess.run(full, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                           env={**os.environ, **c["env"]}, preexec_fn=limit)
    wall = time.monotonic() - t0
    rss = "?"
    if tv.exists():
        for line in tv.read_text(errors="replace").splitlines():
            if "Maximum resident set size" in line:
                rss = f"{int(line.split(':')[1]) / 1024:.0f} MB"
    code = p.returncode
    if code == 124:
        code = "timeout"
    elif code < 0 or code > 128:
        code = f"signal {code - 128 if code > 128 else -code}"
    size = out.stat().st_size
    stderr = err.read_text(errors="replace")
    report = None
    try:
        report = json.loads(out.read_text(errors="replace")) if size else None
    except ValueError:
        pass
    found = "-"
    diag = "no"
    note = ""
    if report is not None and isinstance(report, dict):
        findings = report.get("findings", [])
        ids = {f.get("rule_id") for f in findings}
        if c["expect"]:
            found = "yes" if all(r in ids for r in c["expect"]) else "NO"
        diags = report.get("diagnostics", [])
        named = [d for d in diags if c["hostile"] and c["hostile"] in json.dumps(d)]
        diag = f"yes ({len(named)})" if named else (f"no ({len(diags)} other)" if diags else "no")
        if c["forbid"]:
            eng, pkg = c["forbid"]
            bad = [f for f in findings if f.get("rule_id", "").startswith(eng)
                   and pkg in json.dumps(f)]
            note = f"{pkg} reported vulnerable: {'YES' if bad else 'no'}"
    else:
        if c["expect"]:
            found = "NO"
        if c["hostile"] and c["hostile"] in stderr:
            diag = "stderr"
        elif stderr.strip():
            diag = "stderr (no name)"
    last = [l for l in stderr.strip().splitlines() if l.strip()][-1:] or [""]
    if not note and (code not in (0, 1) or report is None):
        note = last[0][:90]
    return [c["name"], str(code), f"{wall:.1f} s", rss, f"{size / 1e6:.2f} MB" if size >= 1e5 else f"{size} B",
            found, diag, note]


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    for g in GENERATORS:
        g()
    rows = []
    for c in CASES:
        if ONLY and c["name"] not in ONLY:
            continue
        if c["setup"]:
            c["setup"]()
        print(f"   running {c['name']}", file=sys.stderr, flush=True)
        rows.append(run(c))
    head = ["case", "exit", "wall", "peak RSS", "report", "planted found", "diagnostic", "note"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")


main()
PY
