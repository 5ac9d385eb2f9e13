#!/usr/bin/env python3
"""Writes a SARIF 2.1.0 file with N results (default 50,000) shaped like Semgrep's: 100 rules,
2,000 files, a snippet, a message and a partial fingerprint per result. For bench/server.sh."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
seed = sys.argv[2] if len(sys.argv) > 2 else "a"
rules = [
    {
        "id": f"python.lang.security.rule-{r}",
        "shortDescription": {"text": f"Rule {r}"},
        "defaultConfiguration": {"level": ["error", "warning", "note"][r % 3]},
        "properties": {"tags": [f"CWE-{79 + r}: something"], "security-severity": str(r % 10)},
    }
    for r in range(100)
]
results = []
for i in range(n):
    r = i % 100
    path = f"src/pkg{i % 50}/module_{i % 2000}.py"
    results.append(
        {
            "ruleId": rules[r]["id"],
            "ruleIndex": r,
            "level": rules[r]["defaultConfiguration"]["level"],
            "message": {"text": f"Untrusted input flows into a dangerous sink ({i})"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {
                            "startLine": 10 + i % 400,
                            "startColumn": 5,
                            "endLine": 10 + i % 400,
                            "endColumn": 42,
                            "snippet": {"text": f"cursor.execute(query_{i} % user_input)"},
                        },
                    }
                }
            ],
            "partialFingerprints": {"matchBasedId/v1": f"{seed}{i:08x}"},
        }
    )
doc = {
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    "version": "2.1.0",
    "runs": [{"tool": {"driver": {"name": "Semgrep OSS", "rules": rules}}, "results": results}],
}
json.dump(doc, sys.stdout)
