"""A local stand-in for api.crossref.org, serving the recorded work records.

``GET /works?query.bibliographic=...`` searches the titles of the known works.
``GET /works/{doi}`` answers the recorded ``{"status":"ok","message-type":"work",...}``
for the DOIs in ``import-samples/crossref`` (and any work added with
`add_work`), and an unknown DOI as the real service does: 404, ``text/plain``,
``Resource not found.``.  Every reply carries the recorded rate-limit headers:
the public pool (5/s) or, when the User-Agent has ``mailto:``, the polite pool
(10/s).  Faults: ``server.faults.burst(429, n)``, ``server.faults.drop(n)``.

Run ``python -m balintbib.testing.crossref`` for manual trials (prints the URL).
"""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import unquote

from .recorded import RecordedServer, load_json, samples_dir


class CrossrefServer(RecordedServer):
    def __init__(self, port: int = 0):
        super().__init__(port)
        self.works: dict[str, dict] = {}
        folder = samples_dir() / "crossref"
        for path in sorted(folder.glob("works-*.json")):
            if path.name.endswith(".transcript.json"):
                continue
            self.add_work(load_json(path)["message"])
        for path in sorted(folder.glob("*.transcript.json")):
            for ex in load_json(path).get("exchanges", []):
                body = ex["response"].get("body")
                if isinstance(body, dict) and body.get("message-type") == "work":
                    self.add_work(body["message"])

    def add_work(self, message: dict) -> None:
        self.works[message["DOI"].lower()] = message

    def route(self, method, path, query):
        polite = "mailto:" in (self.user_agents[-1] if self.user_agents else "")
        headers = {"x-api-pool": "polite" if polite else "public", "x-rate-limit-limit": "10" if polite else "5",
                   "x-rate-limit-interval": "1s", "x-concurrency-limit": "3" if polite else "1",
                   "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())}
        if method == "GET" and path.startswith("/works/"):
            doi = unquote(path[len("/works/"):]).lower()
            work = self.works.get(doi)
            if work is None:
                return 404, "text/plain", b"Resource not found.", headers
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work}
            return 200, "application/json", json.dumps(body).encode(), headers
        if method == "GET" and path.rstrip("/") == "/works":
            return self._search(query, headers)
        return 404, "text/plain", b"Resource not found.", headers

    def _search(self, query: dict, headers: dict):
        """``/works?query.bibliographic=...&rows=n``: the known works sharing words with the query,
        best first, with a ``score`` (the share of the title's words found), as a work-list."""
        import re

        text = query.get("query.bibliographic") or query.get("query") or ""
        words = set(re.findall(r"\w+", text.lower()))
        rows = int(query.get("rows", "20") or 20)
        scored = []
        for work in self.works.values():
            title = set(re.findall(r"\w+", " ".join(work.get("title") or []).lower()))
            if title and words:
                score = len(title & words) / len(title)
                if score > 0.3:
                    scored.append((score, work))
        scored.sort(key=lambda x: -x[0])
        items = [dict(work, score=round(100 * score, 3)) for score, work in scored[:rows]]
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(scored), "items": items, "items-per-page": rows,
                            "query": {"start-index": 0, "search-terms": text}}}
        return 200, "application/json", json.dumps(body).encode(), headers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = CrossrefServer(args.port).start()
    print(f"Crossref test server at {srv.url} ({len(srv.works)} works); Ctrl-C stops it", flush=True)
    srv.serve_until_interrupted()


if __name__ == "__main__":
    main()
