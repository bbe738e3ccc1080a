"""``/api/layers/<layer>/export``: a layer or a filtered selection as a file (see
:mod:`layers.exchange.layer_export`).

``format=gpkg|shp|geojson|kml|csv`` (default ``gpkg``), ``encoding=utf-8|gbk`` (Shapefile
and CSV), ``geometry=wkt|lonlat`` (CSV), and the features API's filters: ``bbox``,
``status``, ``campaign``, ``department``, ``overdue``, ``q``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Response, request, send_file

from api import params
from api.database import get_engine
from layers.exchange import layer_export

bp = Blueprint("exports", __name__, url_prefix="/api/layers")

#: ``api_key`` carries the API token where reading needs one (``LIANCHUANG_READ=viewer``).
EXPORT_PARAMS = ("format", "encoding", "geometry", "crs", "bbox", *params.PROJECT_FILTERS, "q",
                 "api_key")


@bp.get("/<layer>/export")
def export_file(layer: str) -> Response:
    """The selection as a download, written to a temporary folder removed once sent."""
    args = request.args
    params.check_known(args, EXPORT_PARAMS)
    folder = Path(tempfile.mkdtemp(prefix="lianchuang-export-"))
    try:
        written = layer_export.export_layer(
            get_engine(), layer, args.get("format", "gpkg"), folder,
            bbox=params.parse_bbox(args), projects_filter=params.parse_projects_filter(args),
            q=params.parse_search(args), encoding=args.get("encoding", "utf-8"),
            csv_geometry=args.get("geometry", "wkt"), crs=args.get("crs", "EPSG:4326"))
        response = send_file(written.path, as_attachment=True,
                             download_name=written.path.name, max_age=0)
        # Set whole: given to send_file, a text/* type would get a second charset added.
        response.headers["Content-Type"] = written.media_type
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response
