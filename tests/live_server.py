"""The app with the serving blueprints (OGC API, vector tiles, exports), and a live server.

Until :func:`api.app.create_app` registers them itself, the serving tests override the
``app`` fixture of :mod:`tests.factories` with :func:`with_serving`, so that ``client`` and
``live_server`` serve them too; once it does, this is a no-op.  :func:`served` runs an app
of a test's own configuration over real HTTP, as ``live_server`` does for the usual one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from api import exports, ogc, tiles


def with_serving(app: Flask) -> Flask:
    """*app* with the OGC API, tiles and exports blueprints (each registered once)."""
    for blueprint in (ogc.bp, tiles.bp, exports.bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)
    return app


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """*app* served on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
