// Writes leaflet-measure's builds with their five HTML templates compiled ahead of time, so
// the map needs no 'unsafe-eval' in its Content-Security-Policy.
//
// leaflet-measure compiles its templates with lodash's `template`, which builds each one
// with `Function(...)` when the script loads; under our CSP that throws and the measuring
// control never exists.  This script loads each vendored build in a sandbox, records the
// source lodash generates, rewrites it without `with (obj)` (the build is strict code, where
// `with` is a syntax error; the templates read only `model`), checks that the rewritten
// function gives the same HTML as lodash's, and puts it in place of the call.
//
//   node scripts/precompile_measure_templates.js
//
// Run it again after upgrading leaflet-measure (webmap/static/vendor/README.md).
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const DIR = path.join(__dirname, "..", "webmap", "static", "vendor", "leaflet-measure-3.1.0");
const BUILDS = { "leaflet-measure.js": "leaflet-measure.precompiled.js",
                 "leaflet-measure.cn.js": "leaflet-measure.cn.precompiled.js" };
// The calls in the build, in the order it makes them, and the variable each one is kept in.
const CALLS = ["controlTemplate", "resultsTemplate", "pointPopupTemplate", "linePopupTemplate",
               "areaPopupTemplate"].map((name) => `(0,i.default)(m.${name},y)`);
const SAMPLE = { model: { className: "c", pointCount: 3, lengthDisplay: "1 km",
                          areaDisplay: "2 ha",
                          lastCoord: { dms: { x: "x", y: "y" }, dd: { x: 1.5, y: 2.25 } } } };

function compiledSources(source) {
  const recorded = [];
  const anything = new Proxy(function () {}, {
    get: (_, key) => (key === Symbol.toPrimitive ? () => "" : anything),
    apply: () => anything, construct: () => anything });
  function recording(...args) { recorded.push(args); return Function(...args); }
  recording.prototype = Function.prototype;  // lodash reads Function.prototype.toString
  const sandbox = { L: anything, document: anything, self: {}, console, Function: recording };
  sandbox.window = sandbox;
  vm.runInNewContext(source, sandbox);
  return recorded;
}

function withoutWith(body) {
  const opening = "with (obj) {\n";
  const closing = "\n}\nreturn __p\n}";
  if (!body.includes(opening) || !body.endsWith(closing) || /\b_\./.test(body)) {
    throw new Error("lodash's template source is not the shape this script knows:\n" + body);
  }
  return body.replace(opening, "var model = obj.model;\n").slice(0, -closing.length)
    + "\nreturn __p\n}";
}

for (const [original, precompiled] of Object.entries(BUILDS)) {
  let source = fs.readFileSync(path.join(DIR, original), "utf8");
  const compiled = compiledSources(source);
  if (compiled.length !== CALLS.length) {
    throw new Error(`${original}: ${compiled.length} templates compiled, expected ${CALLS.length}`);
  }
  compiled.forEach(([...args], index) => {
    const body = args.pop();
    if (args.join() !== "numberFormat,_") throw new Error(`${original}: imports ${args}`);
    const numberFormat = (value, digits) => value.toFixed(digits);
    const rewritten = withoutWith(body);
    const expected = Function(...args, body)(numberFormat, {})(SAMPLE);
    const actual = Function("numberFormat", '"use strict";' + rewritten)(numberFormat)(SAMPLE);
    if (actual !== expected) throw new Error(`${original}: template ${index} differs`);
    if (source.split(CALLS[index]).length !== 2) throw new Error(`${original}: ${CALLS[index]}`);
    source = source.replace(CALLS[index],
                            () => `(function(numberFormat){${rewritten}})(d.numberFormat)`);
  });
  fs.writeFileSync(path.join(DIR, precompiled), source);
  console.log(`${precompiled}: ${compiled.length} templates precompiled`);
}
