// Render CSL-JSON items in CSL styles with citeproc-js (the reference CSL
// processor behind Zotero and Mendeley) and write the bibliographies as JSON:
//   {"<style name>": [{"id": ..., "text": ..., "html": ...}, ...], ...}
// in bibliography order. Used to make the golden files in tests/goldens/
// and by benchmarks/bench_cite.py (--time prints seconds per style).
//
// usage:
//   node scripts/citeproc_js_goldens.mjs --items items.json --locales DIR \
//        [--out goldens.json] [--time] [--format text|html|both] \
//        --style NAME=PATH[@LOCALE] [--style ...]
//
// citeproc-js is found via $CITEPROC_JS (a path to the npm package folder)
// or /work/node-csl/node_modules/citeproc (`npm install citeproc` there).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const citeprocPath = process.env.CITEPROC_JS || "/work/node-csl/node_modules/citeproc";
const CSL = require(citeprocPath);

const args = process.argv.slice(2);
let itemsPath = null, localesDir = null, outPath = null, time = false, format = "both";
const styles = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--items") itemsPath = args[++i];
  else if (a === "--locales") localesDir = args[++i];
  else if (a === "--out") outPath = args[++i];
  else if (a === "--time") time = true;
  else if (a === "--format") format = args[++i];
  else if (a === "--style") {
    const spec = args[++i];
    const eq = spec.indexOf("=");
    let rest = spec.slice(eq + 1), locale = null;
    const at = rest.lastIndexOf("@");
    if (at > 0) { locale = rest.slice(at + 1); rest = rest.slice(0, at); }
    styles.push({ name: spec.slice(0, eq), file: rest, locale });
  } else { console.error("unknown argument " + a); process.exit(2); }
}
if (!itemsPath || !localesDir || styles.length === 0) {
  console.error("need --items, --locales and at least one --style");
  process.exit(2);
}

const items = JSON.parse(fs.readFileSync(itemsPath, "utf8"));
const byId = new Map(items.map((it) => [String(it.id), it]));

function retrieveLocale(lang) {
  const file = path.join(localesDir, `locales-${lang}.xml`);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  return false;
}

const out = {};
const timings = {};
for (const style of styles) {
  const xml = fs.readFileSync(style.file, "utf8");
  const formats = format === "both" ? ["text", "html"] : [format];
  const results = {};
  for (const fmt of formats) {
    const t0 = process.hrtime.bigint();
    const sys = { retrieveLocale, retrieveItem: (id) => byId.get(String(id)) };
    const engine = new CSL.Engine(sys, xml, style.locale || undefined, true);
    engine.setOutputFormat(fmt);
    engine.updateItems(items.map((it) => String(it.id)));
    const bib = engine.makeBibliography();
    const t1 = process.hrtime.bigint();
    timings[`${style.name}/${fmt}`] = Number(t1 - t0) / 1e9;
    if (!bib) { results[fmt] = null; continue; }
    const [meta, entries] = bib;
    results[fmt] = meta.entry_ids.map((ids, i) => ({ id: String(ids[0]), value: entries[i] }));
  }
  const base = results[formats[0]];
  if (base === null) { out[style.name] = null; continue; }
  out[style.name] = base.map((e, i) => {
    const row = { id: e.id };
    if (results.text) row.text = results.text[i].value.replace(/\n+$/, "");
    if (results.html) row.html = results.html[i].value.trim();
    return row;
  });
}
if (outPath) fs.writeFileSync(outPath, JSON.stringify(out, null, 1) + "\n");
if (time) console.log(JSON.stringify(timings));
else if (!outPath) console.log(JSON.stringify(out, null, 1));
