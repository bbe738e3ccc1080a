/* Lianchuang web map: the big layers drawn from vector tiles.
 *
 * A layer with more features than config.vectorTiles.threshold (from /api/layers) is not
 * fetched as GeoJSON pages: it is drawn by Leaflet.VectorGrid from /tiles/{layer}/{z}/{x}/{y}.mvt
 * (PostGIS ST_AsMVT), on canvas, coloured by project status with the same style function as
 * the GeoJSON layers.  The project filters go into the tile URL, so tiles show the same
 * selection; below the layer's TileJSON minzoom nothing is drawn and the status line asks
 * to zoom in, as for a GeoJSON layer too dense to draw.  A click on a tiled feature asks
 * the features API for it and opens the same card as any other feature.
 */
import { getJSON, savedToken } from "./common.js";
import { featureStyle, paneName } from "./map.js";
import { popupContent } from "./map-card.js";

// Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid's canvas renderer calls on
// every click; stopping the event's propagation is what it was for.
if (window.L && !L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = (event) => L.DomEvent.stopPropagation(event);
}

const grids = {};  // layer name -> { grid, key, minzoom }
const DIMENSION_TYPES = { 1: "Point", 2: "LineString", 3: "Polygon" };

export function uses(app, spec) {
  const settings = app.config.vectorTiles;
  return Boolean(settings && L.vectorGrid && app.featureCounts
    && (app.featureCounts[spec.name] || 0) > settings.threshold);
}

export async function show(app, spec, filters, isCurrent) {
  // Draw *spec* from tiles with *filters*; a second call with the same selection only
  // checks the zoom.  Resolves once the layer's TileJSON has been read; nothing changes
  // when *isCurrent* says a newer load of the layer has started meanwhile.
  const query = new URLSearchParams(filters);
  if (app.dataVersion) query.set("_", String(app.dataVersion));  // past the HTTP cache
  const key = query.toString();
  let entry = grids[spec.name];
  if (!entry || entry.key !== key) {
    const about = await getJSON(tilesRoot(app) + "/" + encodeURIComponent(spec.name)
      + ".json?" + new URLSearchParams(Object.assign({ lang: app.config.lang }, filters)));
    if (isCurrent && !isCurrent()) return;
    hide(app, spec);
    entry = grids[spec.name] = { key, minzoom: about.minzoom, grid: grid(app, spec, key, about) };
    syncWithGroup(app, spec, entry);
  }
  app.tiled.add(spec.name);
  if (app.map.getZoom() < entry.minzoom) app.tooDense.add(spec.name);
  else app.tooDense.delete(spec.name);
}

export function hide(app, spec) {
  const entry = grids[spec.name];
  if (!entry) return;
  app.map.removeLayer(entry.grid);
  app.map.off("layeradd layerremove", entry.follow);
  delete grids[spec.name];
  app.tiled.delete(spec.name);
}

function grid(app, spec, key, about) {
  const url = tilesRoot(app) + "/" + encodeURIComponent(spec.name) + "/{z}/{x}/{y}.mvt"
    + (key ? "?" + key : "");
  const layer = L.vectorGrid.protobuf(url, {
    pane: paneName(spec),
    rendererFactory: L.canvas.tile,
    interactive: true,
    minZoom: about.minzoom,
    maxNativeZoom: about.maxzoom,
    getFeatureId: (feature) => feature.properties.fid,
    // The signed-in user's token, read at each request (reading may need one).
    fetchOptions: {
      get headers() {
        const token = savedToken();
        return token ? { Authorization: "Bearer " + token } : {};
      },
    },
    vectorTileLayerStyles: {
      [spec.name]: (properties, zoom, dimension) => {
        const style = featureStyle(app, spec,
          { properties, geometry: { type: DIMENSION_TYPES[dimension] || "" } }, true);
        return Object.assign({ radius: 6 }, style, { fill: style.fill || dimension === 1 });
      },
    },
  });
  layer.on("click", (event) => openCard(app, spec, event));
  return layer;
}

function syncWithGroup(app, spec, entry) {
  // The layer switcher shows and hides the overlay group; the tiles follow it.
  const group = app.groups[spec.name];
  entry.follow = (event) => {
    if (event.layer !== group) return;
    if (event.type === "layeradd") app.map.addLayer(entry.grid);
    else app.map.removeLayer(entry.grid);
  };
  app.map.on("layeradd layerremove", entry.follow);
  if (app.map.hasLayer(group)) app.map.addLayer(entry.grid);
}

function openCard(app, spec, event) {
  const fid = event.layer && event.layer.properties && event.layer.properties.fid;
  if (!fid) return;
  const url = app.config.api + "/layers/" + encodeURIComponent(spec.name) + "/features/"
    + encodeURIComponent(fid);
  app.track(getJSON(url).then((feature) => {
    L.popup(app.popupOptions())
      .setLatLng(event.latlng)
      .setContent(popupContent(app, spec, feature))
      .openOn(app.map);
  }));
}

function tilesRoot(app) {
  return app.config.vectorTiles.url.replace(/\/$/, "");
}
