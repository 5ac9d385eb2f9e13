#!/usr/bin/env python3
"""Times the dashboard's pages on a running server, one keep-alive connection, one request at a
time (so a request's time is the server's render time plus loopback).

    dashboard_pages.py HOST:PORT TOKEN PROJECT [ROUNDS]

Logs in with the token like a browser (the login form's nonce cookie, then the session cookie),
then fetches each page ROUNDS times (default 20) after a first fetch, and prints the first
fetch's time (for the portfolio, the first view after the upload: the branch summary is computed
then, and kept while no scan, decision or SLA change touches it, for up to a minute), p50, p95
and the worst time of the others, and the page's size."""
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse

addr, token, project = sys.argv[1:4]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
host, port = addr.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port))


def get(path, cookie=None, headers=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    conn.request("GET", path, headers=h)
    r = conn.getresponse()
    return r, r.read()


def cookie_of(resp, name):
    for k, v in resp.getheaders():
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    sys.exit(f"no {name} cookie")


r, body = get("/ui/login")
nonce = re.search(rb'name="nonce" value="([^"]+)"', body).group(1).decode()
login_cookie = cookie_of(r, "rampart_login")
form = urllib.parse.urlencode({"token": token, "nonce": nonce, "next": "/ui/"})
conn.request("POST", "/ui/login", form, {
    "Content-Type": "application/x-www-form-urlencoded",
    "Origin": f"http://{addr}",
    "Cookie": login_cookie,
})
r = conn.getresponse()
r.read()
if r.status not in (302, 303):
    sys.exit(f"login refused: {r.status}")
session = cookie_of(r, "rampart_session")

# A finding and a component of the project, for their pages.
api = {"Authorization": f"Bearer {token}"}
_, b = get(f"/api/v1/projects/{project}/findings?limit=1", headers=api)
finding = json.loads(b)["items"][0]["id"]

pages = [
    ("portfolio", "/ui/"),
    ("project", f"/ui/projects/{project}"),
    ("project, high and above", f"/ui/projects/{project}?severity=high"),
    ("project, path filter", f"/ui/projects/{project}?path=src/"),
    ("project, overdue", f"/ui/projects/{project}?overdue=true"),
    ("project, by severity", f"/ui/projects/{project}?sort=severity"),
    ("finding", f"/ui/findings/{finding}"),
    ("settings", "/ui/settings"),
    ("component", "/ui/components?name=left-pad"),
]
print(f"  {'page':<26} {'first':>8} {'p50':>8} {'p95':>8} {'worst':>8} {'size':>9}")
for name, path in pages:
    t0 = time.perf_counter()
    r, body = get(path, session)
    first = (time.perf_counter() - t0) * 1000
    if r.status != 200:
        sys.exit(f"{path}: {r.status}")
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r, body = get(path, session)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {name:<26} {first:6.1f}ms {statistics.median(times):6.1f}ms {p95:6.1f}ms {times[-1]:6.1f}ms {len(body) // 1024:>7}KB")
