/*
 * The cases of a feature, on its card: GET /api/cases?layer=&fid= (those a reader may see),
 * each with its status and clock; and, for an inspector signed in, a button that reports a
 * problem about this feature (the case carries its layer and id: a 部件).
 * map-card.js calls app.featureCases(spec, feature) when it builds a feature's card.
 */
import { _, el, fill, getJSON } from "./common.js";

export function start(tracking, openReportForm, atLeast) {
  const { app } = tracking;
  app.featureCases = (spec, feature) => {
    const box = el("section", "lc-feature-cases");
    box.append(el("h4", null, _("Cases about this feature")));
    const list = el("ul", "lc-case-list");
    const status = el("p", "lc-muted", _("Loading…"));
    box.append(status, list);
    const query = new URLSearchParams({ layer: spec.name, fid: String(feature.id), limit: "20" });
    getJSON(`${app.config.api}/cases?${query}`).then((answer) => {
      status.textContent = _("None");
      status.hidden = answer.features.length > 0;
      answer.features.forEach(({ properties: c }) => {
        const item = el("li", "lc-case-item");
        const dot = el("span", "lc-dot");
        dot.style.background = app.reportColors[c.status] || "#999";
        item.dataset.caseId = c.id;
        item.append(dot, el("span", null, fill(_("No. {id}"), { id: c.id }) + " "
          + (app.config.lang === "en" ? c.category_label.en : c.category_label.zh)
          + " · " + (app.reportLabels[c.status] || c.status)));
        if (c.clock && c.clock.judgement === "overdue") {
          item.append(el("span", "lc-late", " " + _("overdue")));
        }
        list.append(item);
      });
    }).catch((error) => { status.textContent = error.message || String(error); });
    if (atLeast(tracking.session, "inspector")) {
      const button = el("button", "lc-step-button", _("Report a problem about it"));
      button.type = "button";
      // The form opens on the feature; the server places the case on it exactly.
      const latlng = feature.geometry ? L.geoJSON(feature).getBounds().getCenter()
        : app.map.getCenter();
      button.addEventListener("click", () => openReportForm(tracking, latlng, {
        layer: spec.name, fid: String(feature.id), name: feature.properties.name || feature.id,
      }));
      box.append(button);
    }
    return box;
  };
}
