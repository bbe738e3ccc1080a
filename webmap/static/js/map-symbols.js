/*
 * The planners' map, its symbols: shape says the layer, colour says the status.
 *
 * Each layer's symbol is data in its spec (layers/storage/catalogue.py: line weight and
 * dash array, and for areas a fill_pattern); this module draws those patterns as SVG
 * <pattern>s in the status colour, for the map's paths and for the legend alike.
 */

const SVG = "http://www.w3.org/2000/svg";
//: The colour the legend draws layer symbols in: a neutral grey, as colour means status.
export const LEGEND_COLOR = "#546e7a";

//: Each fill pattern as one tile: its size, rotation and marks.
const PATTERNS = {
  hatch: { size: [8, 8], rotate: 45, marks: [
    ["line", { x1: 4, y1: 0, x2: 4, y2: 8, "stroke-width": 2.5 }]] },
  cross: { size: [8, 8], rotate: 45, marks: [
    ["line", { x1: 4, y1: 0, x2: 4, y2: 8, "stroke-width": 1.5 }],
    ["line", { x1: 0, y1: 4, x2: 8, y2: 4, "stroke-width": 1.5 }]] },
  dots: { size: [7, 7], rotate: 0, marks: [
    ["circle", { cx: 3.5, cy: 3.5, r: 1.8, stroke: "none", fill: true }]] },
  waves: { size: [10, 6], rotate: 0, marks: [
    ["path", { d: "M0,4 Q2.5,1 5,4 T10,4", fill: "none", "stroke-width": 1.5 }]] },
};

let defs = null;

function svgNode(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
  return node;
}

/** The fill (an SVG paint, "url(#…)") of *kind* (a fill_pattern) in *color*. */
export function patternFill(kind, color) {
  const pattern = PATTERNS[kind];
  const id = "lc-pattern-" + kind + "-" + color.replace(/[^0-9a-z]/gi, "");
  if (!defs) {
    // Patterns live in one SVG of their own, referenced by id from every path and legend
    // symbol; it takes no room but is not display:none, which would disable them.
    const holder = svgNode("svg", { width: 0, height: 0, "aria-hidden": "true" });
    holder.style.position = "absolute";
    defs = svgNode("defs");
    holder.append(defs);
    document.body.append(holder);
  }
  if (!document.getElementById(id)) {
    const [width, height] = pattern.size;
    const tile = svgNode("pattern", { id, width, height, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(" + pattern.rotate + ")" });
    tile.append(svgNode("rect", { width, height, fill: color, "fill-opacity": 0.18 }));
    pattern.marks.forEach(([tag, attributes]) => {
      // fill: true means "in the colour": a dot is filled, a line only stroked
      const fill = attributes.fill === true ? { fill: color } : {};
      tile.append(svgNode(tag, Object.assign({ stroke: color }, attributes, fill)));
    });
    defs.append(tile);
  }
  return "url(#" + id + ")";
}

/** The legend's picture of layer *spec*'s symbol, drawn in *color*. */
export function layerSymbol(spec, color) {
  const style = spec.style;
  const symbol = svgNode("svg", { width: 28, height: 16, viewBox: "0 0 28 16",
    class: "lc-symbol" });
  const stroke = { stroke: color, "stroke-width": Math.min(style.weight, 6) };
  if (style.dash_array) stroke["stroke-dasharray"] = style.dash_array;
  if (spec.geometry.includes("polygon")) {
    const fill = style.fill_pattern ? patternFill(style.fill_pattern, color)
      : style.fill_opacity > 0 ? (style.fill_color || color) : "none";
    symbol.append(svgNode("rect", Object.assign({ x: 2, y: 2, width: 24, height: 12,
      fill, "fill-opacity": style.fill_pattern ? 1 : style.fill_opacity }, stroke,
    { "stroke-width": Math.min(style.weight, 3) })));
  } else if (spec.geometry.includes("line")) {
    symbol.append(svgNode("line", Object.assign({ x1: 1, y1: 8, x2: 27, y2: 8 }, stroke)));
  } else {
    symbol.append(svgNode("circle", { cx: 14, cy: 8, r: 6, fill: color, stroke: "#ffffff",
      "stroke-width": 1.5 }));
  }
  return symbol;
}
