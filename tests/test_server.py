"""``lianchuang serve`` as a user starts it: gunicorn, a log without secrets, a clean stop,
and no starving when clients open connections and never finish their requests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.factories import free_port


@pytest.fixture
def served(database_url, tmp_path):
    """The service started with the README's command (gunicorn), its port and its log."""
    port, log = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"}
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    yield process, base, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_it_runs_under_gunicorn_and_stops_cleanly_on_sigterm(clean_db, served):
    process, base, log = served

    assert urllib.request.urlopen(base + "/healthz", timeout=5).status == 200
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=60) == 0
    assert "gunicorn" in log.read_text().lower() or "Booting worker" in log.read_text()


def test_a_token_in_the_query_string_never_reaches_the_log(clean_db, served):
    process, base, log = served

    urllib.request.urlopen(base + "/open311/v2/services.json?api_key=lc_secret_in_the_url",
                           timeout=5)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)

    text = log.read_text()
    assert '"GET /open311/v2/services.json HTTP/1.1" 200' in text
    assert "lc_secret_in_the_url" not in text


def test_half_sent_requests_do_not_starve_the_service(clean_db, served):
    _, base, _ = served
    port = int(base.rsplit(":", 1)[1])
    stalled = []
    for _ in range(200):  # each sends half a request line and then nothing
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HT")
        stalled.append(sock)
    try:
        started = time.monotonic()
        answer = urllib.request.urlopen(base + "/healthz", timeout=30)
        assert answer.status == 200
        assert time.monotonic() - started < 30
    finally:
        for sock in stalled:
            sock.close()
