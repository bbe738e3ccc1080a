"""Serving the app: gunicorn in production, Werkzeug's reloader for development.

``lianchuang serve`` runs gunicorn (the production server the Flask docs name for Linux)
with uvicorn's workers: each worker reads requests asynchronously, so a client that opens a
connection and never finishes its request costs a coroutine, not a thread, and the Flask
app (wrapped by a2wsgi) only ever sees complete requests, on a pool of threads
(:data:`THREADS` per worker) where a route planner searching for up to 30 s holds one
thread, not the service.  Workers come from the cores; requests that run too long are cut
(``timeout``), idle keep-alive connections closed, and SIGTERM finishes the requests in
flight (``graceful_timeout``).  The access log names the path without its query string, so
an ``api_key`` given there never reaches a log.  ``lianchuang serve --dev`` runs Werkzeug's
server with its reloader instead.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from a2wsgi import WSGIMiddleware
from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.serving import run_simple

#: Longest a worker may stay silent: the route planner's 30 s search and the PDF report fit.
WORKER_TIMEOUT_S = 90
#: Threads per worker running the Flask app.
THREADS = 8


def gunicorn_options(host: str, port: int, workers: int | None = None) -> dict[str, Any]:
    """The gunicorn settings ``lianchuang serve`` uses (workers from the cores by default)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers or min(2 * (os.cpu_count() or 1) + 1, 9),
        "worker_class": "uvicorn.workers.UvicornWorker",
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
    }


class WithoutQueryString(logging.Filter):
    """Drops the query string from uvicorn's access log lines (it may carry ``api_key``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = str(args[2]).split("?", 1)[0]
            record.args = tuple(args)
        return True


class _Gunicorn(BaseApplication):
    """gunicorn run from our own command (gunicorn's documented embedding)."""

    def __init__(self, app: Flask, options: dict[str, Any]):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        logging.getLogger("uvicorn.access").addFilter(WithoutQueryString())
        return WSGIMiddleware(self.application, workers=THREADS)


def serve(app: Flask, host: str, port: int, *, dev: bool = False,
          workers: int | None = None) -> None:
    """Serve *app* on *host*:*port* with gunicorn, or with Werkzeug's reloader when *dev*."""
    if dev:
        run_simple(host, port, app, threaded=True, use_reloader=True)
    else:
        _Gunicorn(app, gunicorn_options(host, port, workers)).run()
