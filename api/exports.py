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

from flask import Response, send_file

from api import params
from api.database import get_engine
from api.openapi import Blueprint
from layers.exchange import layer_export

bp = Blueprint("exports", __name__, url_prefix="/api/layers",
               description="Layers and selections as files.")


class LayerExportQuery(params.ProjectFilters, params.Search):
    format = params.Choice(layer_export.FORMATS, load_default="gpkg",
                           metadata={"description": "gpkg, shp (zipped), geojson, kml or csv."})
    encoding = params.Text(load_default="utf-8", metadata={
        "description": "Text encoding of a Shapefile's .dbf or a CSV: utf-8 or gbk."})
    geometry = params.Choice(layer_export.CSV_GEOMETRIES, load_default="wkt", metadata={
        "description": "CSV geometry as WKT or lon/lat columns (points)."})
    crs = params.Text(load_default="EPSG:4326", metadata={
        "description": "CRS of the file: EPSG:4326 (WGS84), EPSG:4490 (CGCS2000) or gk, the "
                       "CGCS2000 Gauss-Krüger zone of the data (gpkg, shp, csv)."})
    bbox = params.BBoxField(metadata={"description": "minx,miny,maxx,maxy in lon/lat."})


@bp.get("/<layer>/export", parameters=[params.LAYER])
@bp.query(LayerExportQuery)
@bp.content(200, "The file, as an attachment",
            *(f.media_type for f in layer_export.FORMATS.values()))
@bp.errors(404)
def export_file(query: dict, layer: str) -> Response:
    """Export a layer

    The layer, or the selection its filters make, as a file: GeoPackage, zipped Shapefile
    (with .prj and .cpg; UTF-8 or GBK), GeoJSON, KML or CSV; written to a temporary folder
    removed once sent.
    """
    folder = Path(tempfile.mkdtemp(prefix="lianchuang-export-"))
    try:
        written = layer_export.export_layer(
            get_engine(), layer, query["format"], folder, bbox=query.get("bbox"),
            projects_filter=query["filter"], q=query.get("q"), encoding=query["encoding"],
            csv_geometry=query["geometry"], crs=query["crs"])
        response = send_file(written.path, as_attachment=True,
                             download_name=written.path.name, max_age=0)
        # Set whole: given to send_file, a text/* type would get a second charset added.
        response.headers["Content-Type"] = written.media_type
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response
