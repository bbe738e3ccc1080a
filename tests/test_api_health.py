"""``/healthz``: 200 with the database, 503 without it, and 200 again once it is back.

The database is taken away for real: the app reaches PostgreSQL through a small TCP relay
that the test stops (dropping every connection, as a restart of the server would) and
starts again on the same port.  A closed port stands for a database that never came up.
"""

from __future__ import annotations

import socket
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import URL, make_url

from api.app import create_app
from layers.storage import db, migrate
from tests.factories import free_port

pytest_plugins = ["tests.factories"]


class TcpRelay:
    """Forwards a local port to the database; :meth:`stop` cuts it, :meth:`start` restores."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        for sock in [self._listener, *self._sockets]:
            _close(sock)
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by stop()
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass  # the relay was stopped under us
    _close(sink)


def _close(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected (a listener) or already shut
    sock.close()


def _app_at(url: URL) -> FlaskClient:
    return create_app({"DATABASE_URL": url.render_as_string(hide_password=False),
                       "LIANCHUANG_TILES": "none"}).test_client()


def test_healthy_service_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_unreachable_database_is_503_saying_what_to_check(database_url):
    closed = make_url(database_url).set(host="127.0.0.1", port=free_port())
    response = _app_at(closed).get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == "unreachable"
    assert body["error"]["code"] == "service_unavailable"
    assert "check that PostgreSQL is running" in body["error"]["message"]


def test_api_answers_503_not_500_while_the_database_is_down(database_url):
    closed = make_url(database_url).set(host="127.0.0.1", port=free_port())
    response = _app_at(closed).get("/api/layers")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_json()["error"]["message"]


def test_unmigrated_database_is_503_saying_to_run_db_init(database_url):
    # The test database seen through an empty search path: no table of ours is there.
    bare = make_url(database_url).update_query_dict({"options": "-csearch_path=nowhere"})
    response = _app_at(bare).get("/api/projects")
    assert response.status_code == 503
    assert "run `lianchuang db init`" in response.get_json()["error"]["message"]


def test_health_of_an_unmigrated_database_is_503_saying_to_run_db_init(database_url):
    bare = make_url(database_url).update_query_dict({"options": "-csearch_path=nowhere"})
    response = _app_at(bare).get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "outdated" and "not set up" in body["error"]["message"]


def test_health_of_a_database_behind_the_code_names_both_revisions(client, monkeypatch):
    # The code has a migration the database has not had (as after an upgrade of the code).
    migrate.head_revision.cache_clear()
    monkeypatch.setattr(migrate, "head_revision", lambda: "0099")
    response = client.get("/healthz")
    assert response.status_code == 503
    message = response.get_json()["error"]["message"]
    assert "needs revision 0099" in message and "at revision 00" in message
    assert "lianchuang db init" in message


def test_no_configured_database_is_503_saying_how_to_configure_one(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LIANCHUANG_HOME", str(tmp_path))
    app = create_app({"LIANCHUANG_TILES": "none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "DATABASE_URL" in response.get_json()["error"]["message"]


def test_health_recovers_when_the_database_comes_back(database_url):
    url = make_url(database_url)
    if url.host not in ("127.0.0.1", "localhost"):
        pytest.skip("the relay reaches a local database over TCP only")
    relay = TcpRelay((url.host, url.port or 5432))
    relayed = url.set(port=relay.port)
    client = _app_at(relayed)
    relay.start()
    try:
        assert client.get("/healthz").status_code == 200
        relay.stop()
        assert client.get("/healthz").status_code == 503
        relay.start()
        assert client.get("/healthz").status_code == 200
    finally:
        relay.stop()
        db.get_engine(relayed.render_as_string(hide_password=False)).dispose()


def test_the_dashboard_with_the_database_down_is_a_page_in_chinese_not_json(database_url):
    closed = make_url(database_url).set(host="127.0.0.1", port=free_port())

    response = _app_at(closed).get("/dashboard", headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 503
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "服务暂时无法响应" in page and "数据库无法连接" in page
    assert "check that PostgreSQL is running" in page  # the detail, as the API gives it
    assert not page.lstrip().startswith("{")


def test_the_api_keeps_answering_json_with_the_database_down(database_url):
    closed = make_url(database_url).set(host="127.0.0.1", port=free_port())

    response = _app_at(closed).get("/api/projects")

    assert response.status_code == 503 and response.is_json
