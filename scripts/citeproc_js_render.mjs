// Render CSL-JSON items with citeproc-js, paired BY ITEM ID, for
// scripts/compare_citeproc.py. Output (stdout, JSON):
//   {"<style>": {"entries": {"<id>": "<text>", ...}, "order": [ids...],
//                "clusters": [["<text>", ...]],
//                "documents": [{"citations": ["<text>", ...],
//                               "bibliography": [["<id>", "<text>"], ...]}, ...]}
//    | {"error": "..."}}
// --documents FILE: a list of documents, each a list of clusters rendered in
// sequence through one engine (rebuildProcessorState: positions, ibid and
// disambiguation across the document; the note number of cluster i is i+1 in
// note styles), then the bibliography of the items they cite.
// An item whose entry citeproc-js leaves out (it prints nothing) is absent
// from "entries": citeproc-js still lists its id in entry_ids, so entries are
// paired by id, not by position (the position pairing of
// citeproc_js_goldens.mjs goes wrong after the first such item).
//
// usage: node scripts/citeproc_js_render.mjs --items items.json --locales DIR
//            [--clusters clusters.json] [--documents docs.json] --style NAME=PATH [--style ...]
// citeproc-js: $CITEPROC_JS, else /work/node-csl/node_modules/citeproc, else
// ./node_modules/citeproc (`npm install citeproc@2.4.63` in a temp dir and
// point CITEPROC_JS at it).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const candidates = [process.env.CITEPROC_JS, "/work/node-csl/node_modules/citeproc",
  path.resolve("node_modules/citeproc")].filter(Boolean);
const found = candidates.find((p) => fs.existsSync(p));
if (!found) { console.error("citeproc-js not found: npm install citeproc, set CITEPROC_JS"); process.exit(2); }
const CSL = require(found);

const args = process.argv.slice(2);
let itemsPath = null, localesDir = null, clustersPath = null, documentsPath = null;
const styles = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--items") itemsPath = args[++i];
  else if (a === "--locales") localesDir = args[++i];
  else if (a === "--clusters") clustersPath = args[++i];
  else if (a === "--documents") documentsPath = args[++i];
  else if (a === "--style") {
    const spec = args[++i];
    const eq = spec.indexOf("=");
    styles.push({ name: spec.slice(0, eq), file: spec.slice(eq + 1) });
  } else { console.error("unknown argument " + a); process.exit(2); }
}
const items = JSON.parse(fs.readFileSync(itemsPath, "utf8"));
const clusters = clustersPath ? JSON.parse(fs.readFileSync(clustersPath, "utf8")) : [];
const documents = documentsPath ? JSON.parse(fs.readFileSync(documentsPath, "utf8")) : [];
const byId = new Map(items.map((it) => [String(it.id), it]));
const retrieveLocale = (lang) => {
  const file = path.join(localesDir, `locales-${lang}.xml`);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
};

function engineFor(xml) {
  const sys = { retrieveLocale, retrieveItem: (id) => byId.get(String(id)) };
  const engine = new CSL.Engine(sys, xml, undefined, true);
  engine.setOutputFormat("text");
  return engine;
}

function printsNothing(engine, id) {
  engine.updateItems([id]);
  const bib = engine.makeBibliography();
  return !bib || bib[1].length === 0 || !String(bib[1][0]).trim();
}

const out = {};
for (const style of styles) {
  try {
    const xml = fs.readFileSync(style.file, "utf8");
    const engine = engineFor(xml);
    engine.updateItems(items.map((it) => String(it.id)));
    const bib = engine.makeBibliography();
    const result = { entries: {}, order: [], clusters: [] };
    if (bib) {
      let [meta, entries] = bib;
      let ids = meta.entry_ids.map((x) => String(x[0]));
      if (ids.length !== entries.length) {  // some items print nothing: find them
        const solo = engineFor(xml);
        ids = ids.filter((id) => !printsNothing(solo, id));
      }
      if (ids.length === entries.length) {
        ids.forEach((id, i) => { result.entries[id] = String(entries[i]).replace(/\n+$/, ""); });
        result.order = ids;
      } else {
        result.error = `cannot pair ${entries.length} entries with ${ids.length} ids`;
      }
    }
    for (const cluster of clusters) {  // each cluster alone, in a fresh engine
      const e = engineFor(xml);
      e.updateItems(cluster.map((c) => String(c.id)));
      const citation = { citationItems: cluster.map((c) => ({ ...c, id: String(c.id) })),
        properties: { noteIndex: 0 } };
      try {
        result.clusters.push(e.previewCitationCluster(citation, [], [], "text"));
      } catch (err) { result.clusters.push(null); }
    }
    const note = /<citation[^>]*>/.test(xml) && /class="note"/.test(xml.slice(0, 3000));
    result.documents = [];
    for (const doc of documents) {  // clusters in sequence, through one engine
      const e = engineFor(xml);
      const citations = doc.map((cluster, i) => ({
        citationID: `c${i}`,
        citationItems: cluster.map((c) => ({ ...c, id: String(c.id) })),
        properties: { noteIndex: note ? i + 1 : 0 } }));
      try {
        const done = e.rebuildProcessorState(citations, "text");
        const bib = e.makeBibliography();
        const entries = bib ? bib[1].map((text, i) => [String(bib[0].entry_ids[i][0]),
          String(text).replace(/\n+$/, "").trim()]) : [];
        result.documents.push({ citations: done.map((row) => row[2]), bibliography: entries });
      } catch (err) { result.documents.push({ error: String(err && err.message || err) }); }
    }
    out[style.name] = result;
  } catch (err) {
    out[style.name] = { error: String(err && err.message || err) };
  }
}
process.stdout.write(JSON.stringify(out));
