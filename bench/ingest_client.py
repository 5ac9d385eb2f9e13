#!/usr/bin/env python3
"""Uploads one results file and waits for its ingest job, in one process on one keep-alive
connection (a curl and a shell per poll took a share of the CPUs the server is measured on).

    ingest_client.py HOST:PORT TOKEN PROJECT FILE COMMIT [BRANCH]

Prints: seconds from the start of the upload to the answer, and to the job's end."""
import http.client
import json
import sys
import time

addr, token, project, path, commit = sys.argv[1:6]
branch = sys.argv[6] if len(sys.argv) > 6 else "main"
body = open(path, "rb").read()
host, port = addr.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port))
auth = {"Authorization": f"Bearer {token}"}
t0 = time.perf_counter()
conn.request("POST", f"/api/v1/projects/{project}/results?commit={commit}&branch={branch}", body, auth)
answer = conn.getresponse()
reply = json.loads(answer.read())
t1 = time.perf_counter()
if answer.status == 201:  # stored before the answer
    print(f"{t1 - t0:.3f} {t1 - t0:.3f} done")
    sys.exit(0)
if answer.status != 202:
    sys.exit(f"upload refused: {answer.status} {reply}")
job = reply["job"]
while True:
    conn.request("GET", f"/api/v1/jobs/{job}", headers=auth)
    r = conn.getresponse()
    state = json.loads(r.read())["state"]
    if state in ("done", "failed"):
        break
    time.sleep(0.01)
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t0:.3f} {state}")
sys.exit(0 if state == "done" else 1)
