"""The service as the benchmark serves it under gunicorn: ``bench.serving.app:app``.

:func:`api.app.create_app` with the OGC API and tiles blueprints, registered here until the
factory does it itself (then the loop does nothing).  ``DATABASE_URL`` names the database.
"""

from __future__ import annotations

from api import ogc, tiles
from api.app import create_app

app = create_app({"LIANCHUANG_TILES": "none"})
for blueprint in (ogc.bp, tiles.bp):
    if blueprint.name not in app.blueprints:
        app.register_blueprint(blueprint)
