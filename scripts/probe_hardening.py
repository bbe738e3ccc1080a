"""Re-run the hardening probes of issue 13 against a running service and print a table.

    .venv/bin/python scripts/probe_hardening.py --url http://127.0.0.1:5000 \\
        --admin-token TOKEN --inspector-token TOKEN --server-pid PID --log serve.log

What it tries, each as a client from outside would: the malformed OGC queries that once
answered 500, the signed-in requests that once answered 500, a 256 MiB upload (the server's
memory before and after), whether a token shows up in the log, 500 half-sent requests held
open while a normal request is timed, and the security headers of a page, a JSON answer
and a static file.  Schemathesis is run separately (its CLI over /api/openapi.json, with
and without the admin token), as docs/security.md shows.

Standard library only: it must run on the machine the service runs on, with nothing extra.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
#: The malformed OGC item queries of the issue's probe that answered 500, and their kin.
OGC_QUERIES = [
    "datetime=9999-12-31",
    "datetime=9999-12-31/..",
    "datetime=0001-01-01/9999-12-31T23:59:59Z",
    f"bbox=-1e20,-1e20,1e20,1e20&bbox-crs={EPSG}4545",
    f"bbox=1e308,1e308,1e308,1e308&bbox-crs={EPSG}4545",
    "crs=EPSG:" + "9" * 4301,
    f"bbox=1,2,3,4&bbox-crs={EPSG}" + "4" * 4301,
    f"crs={EPSG}999999999",
    "bbox=nan,nan,nan,nan",
    "name=%00",
]
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
           "Referrer-Policy")


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request (an HTTP error is an answer too)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, _names(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, _names(error.headers), error.read()


def _names(headers) -> dict[str, str]:
    """Headers by lower-case name (uvicorn sends them in lower case)."""
    return {name.lower(): value for name, value in headers.items()}


def rss_kib(pid: int) -> int:
    """Resident memory of *pid* and all its descendants (a gunicorn master and workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as status:
                found = re.search(r"VmRSS:\s+(\d+)", status.read())
        except OSError:
            continue
        total += int(found.group(1)) if found else 0
    return total


def upload_256_mib(base: str, token: str | None) -> tuple[str, float]:
    """Send a 256 MiB photo body (declared up front) and see when the server answers."""
    parts = urlsplit(base)
    size = 256 * 1024 * 1024
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
    head = (f"POST /api/photos HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {size}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n")
    sock.sendall(head.encode())
    chunk, sent, start = b"\0" * 65536, 0, time.monotonic()
    sock.setblocking(False)
    answer = b""
    while sent < size:
        try:
            answer += sock.recv(4096)
            if answer:
                break
        except BlockingIOError:
            pass
        try:
            sent += sock.send(chunk)
        except BlockingIOError:
            time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.setblocking(True)
    sock.settimeout(10)
    try:
        while b"\r\n" not in answer:
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    except OSError:
        pass
    sock.close()
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection closed)"
    return f"{status}; {sent / 2**20:.1f} MiB sent", time.monotonic() - start


def half_open(base: str, count: int) -> tuple[int, float, int]:
    """Hold *count* requests with unfinished headers; time a normal request meanwhile."""
    parts = urlsplit(base)
    held = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {parts.netloc}\r\nX-Slow: ".encode())
        held.append(sock)
    start = time.monotonic()
    status, _, _ = request(base + "/api/layers")
    elapsed = time.monotonic() - start
    for sock in held:
        sock.close()
    return status, elapsed, len(held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--inspector-token", required=True)
    parser.add_argument("--server-pid", type=int, help="the server's (gunicorn master's) pid")
    parser.add_argument("--log", help="the server's log file, searched for the tokens")
    parser.add_argument("--half-open", type=int, default=500)
    args = parser.parse_args()
    base, rows = args.url.rstrip("/"), []
    admin = {"Authorization": f"Bearer {args.admin_token}"}

    for query in OGC_QUERIES:
        status, _, body = request(f"{base}/ogc/collections/parks/items?{query}")
        code = json.loads(body).get("code", "?") if body.startswith(b"{") else "?"
        rows.append(("OGC items ?" + (query if len(query) < 60 else query[:57] + "..."),
                     f"{status} {code}"))

    json_admin = {**admin, "Content-Type": "application/json"}
    for method, path, body in [
            ("PATCH", "/api/reports/1", {"status": {}}),
            ("POST", "/api/projects/1/features", {"layer": "no_such_layer", "fid": "x"}),
            ("DELETE", "/api/projects/1/features/no_such_layer/x", None),
            ("GET", "/api/reports/99999999999", None)]:
        headers = dict(json_admin)
        if method != "GET":
            headers["If-Match"] = '"1"'
        status, _, answer = request(base + path, method,
                                    None if body is None else json.dumps(body).encode(),
                                    headers)
        message = json.loads(answer)["error"]["message"][:60] if answer.startswith(b"{") else ""
        rows.append((f"admin {method} {path}", f"{status} {message}"))

    for who, token in (("no token", None), ("inspector", args.inspector_token)):
        before = rss_kib(args.server_pid) if args.server_pid else None
        answer, seconds = upload_256_mib(base, token)
        after = rss_kib(args.server_pid) if args.server_pid else None
        memory = (f"; server RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB"
                  if before is not None else "")
        rows.append((f"256 MiB upload, {who}", f"{answer} in {seconds:.1f} s{memory}"))

    secret = "probe-secret-" + os.urandom(6).hex()
    request(f"{base}/api/layers?api_key={secret}")
    request(f"{base}/open311/v2/requests.json?api_key={secret}")
    request(f"{base}/api/layers", headers={"Authorization": f"Bearer {secret}"})
    if args.log:
        time.sleep(1)
        with open(args.log, encoding="utf-8", errors="replace") as log:
            text = log.read()
        leaks = [t for t in (secret, args.admin_token, args.inspector_token) if t in text]
        rows.append(("tokens in the log", f"{len(leaks)} found ({len(text):,} bytes read)"))

    status, seconds, held = half_open(base, args.half_open)
    rows.append((f"{held} half-open requests held; GET /api/layers",
                 f"{status} in {seconds:.2f} s"))

    for path in ("/", "/api/layers", "/static/lianchuang.css"):
        _, headers, _ = request(base + path)
        present = [h for h in HEADERS if h.lower() in headers]
        missing = [h for h in HEADERS if h.lower() not in headers]
        rows.append((f"headers of {path}", f"{len(present)}/{len(HEADERS)}"
                     + (f", missing {', '.join(missing)}" if missing else "")))

    width = max(len(name) for name, _ in rows)
    print(f"| {'probe'.ljust(width)} | answer |\n|{'-' * (width + 2)}|--------|")
    for name, answer in rows:
        print(f"| {name.ljust(width)} | {answer} |")


if __name__ == "__main__":
    main()
