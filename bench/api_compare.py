"""Reads bench/api.sh's outputs and prints bench/RESULTS-api.md: per spec and per rule, what
rampart's api engine and Spectral's OWASP ruleset report, and the timings."""
import collections, json, pathlib, platform, sys, tomllib

work, rules_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
rules = {}
for f in sorted(rules_dir.glob("*.toml")):
    d = tomllib.loads(f.read_text())
    rules["api/" + d["id"]] = d.get("spectral", [])
to_rampart = collections.defaultdict(list)
for r, codes in rules.items():
    for c in codes:
        to_rampart[c].append(r)

times = [l.split("\t") for l in (work / "times.tsv").read_text().splitlines() if l]
per_rule = collections.defaultdict(lambda: [0, 0, 0])  # spectral code -> [specs spectral, specs rampart, specs both]
beyond = collections.Counter()
spectral_only = collections.Counter()
rows = []
for name, size, r_ms, s_ms in times:
    rp = [json.loads(l) for l in (work / f"{name}.rampart.jsonl").read_text().splitlines() if l.strip()]
    try:
        sp = json.loads((work / f"{name}.spectral.json").read_text() or "[]")
    except Exception:
        sp = None
    r_rules = collections.Counter(x["rule"] for x in rp)
    s_codes = collections.Counter(x["code"] for x in sp) if sp is not None else collections.Counter()
    # A rampart rule counts for each of its Spectral equivalents that fired, or for its first.
    r_codes = set()
    for r in r_rules:
        codes = rules.get(r) or []
        hit = [c for c in codes if c in s_codes]
        r_codes.update(hit or codes[:1])
    for code in set(s_codes) | r_codes:
        if not code.startswith("owasp:"):
            continue
        e = per_rule[code]
        e[0] += code in s_codes
        e[1] += code in r_codes
        e[2] += code in s_codes and code in r_codes
    for r in r_rules:
        if not rules.get(r):
            beyond[r] += 1
    for c in s_codes:
        if c.startswith("owasp:") and c not in to_rampart:
            spectral_only[c] += 1
    both = len({c for c in s_codes if c in r_codes})
    rows.append((name, int(size), sum(r_rules.values()), len(r_rules), sum(s_codes.values()) if sp is not None else "failed",
                 len(s_codes), both, r_ms, s_ms))

print("# API definition audit: rampart vs Spectral's OWASP ruleset\n")
import os
profile = os.environ.get("PROFILE", "release")
print("Measured by `bench/api.sh` (rampart's `api` engine through `crates/rampart-api/examples/audit.rs`,")
print(f"`{profile}` profile" + (" — dependencies optimised, rampart's crates not: a release build is faster" if profile == "dev" else "") + "; `@stoplight/spectral-cli` 6 with `@stoplight/spectral-owasp-ruleset` 2, from the npm")
print(f"registry) on this session's machine ({platform.machine()}, {platform.system()}, 2 shared cores).")
print("Specs: the deliberately vulnerable API of the tests and its fixed twin, example specs shipped in")
print("`@readme/oas-examples` (OpenAPI 3.0, 3.1, Swagger 2.0) and GitHub's REST API spec from `@octokit/openapi`.\n")
print("## Per spec\n")
print("| spec | bytes | rampart findings | rampart rules fired | Spectral findings | Spectral rules fired | Spectral rules rampart also fired | rampart ms (audit, median) | Spectral ms (wall) |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(x) for x in r) + " |")
print("\n## Per Spectral OWASP rule (number of specs where it fired)\n")
print("| Spectral rule | rampart rule | Spectral | rampart | both |")
print("|---|---|---|---|---|")
for code in sorted(set(per_rule) | set(to_rampart)):
    e = per_rule.get(code, [0, 0, 0])
    print(f"| `{code}` | {', '.join('`'+r+'`' for r in to_rampart.get(code, [])) or '—'} | {e[0]} | {e[1]} | {e[2]} |")
print("\n## rampart rules beyond Spectral's OWASP ruleset (specs where each fired)\n")
for r in sorted(r for r, s in rules.items() if not s):
    print(f"- `{r}`: {beyond.get(r, 0)}")
if spectral_only:
    print("\n## Spectral rules without a rampart equivalent (specs where each fired)\n")
    for c, n in sorted(spectral_only.items()):
        print(f"- `{c}`: {n}")

print("""
## Reading the figures

- "Spectral rules rampart also fired" counts, per spec, the Spectral rules that fired where the
  mapped rampart rule fired too. Where rampart fires on more specs than Spectral (`define-cors-origin`,
  `url-parameter`, `inventory-environment`, `numeric-id-parameter`), its patterns are wider (every
  response without `Access-Control-Allow-Origin`; `callback`, `webhook`, `next_url`…; servers whose
  description names no environment; Swagger 2.0 path ids). Where it fires on fewer
  (`define-error-responses-401`), it asks only operations that require credentials for a 401, and
  `write-restricted` leaves login-like operations alone (the fixed twin's one Spectral finding is
  its `POST /login`).
- Spectral 6 stops with a JSONPath error on GitHub's REST API spec (`failed`), so only rampart's
  findings and time are given for it.
- rampart's time is the engine's audit of the file (parse, `$ref`s, every rule); Spectral's is the
  wall time of one `spectral lint` process, node start-up included.""")
