"""A local stand-in for NCBI E-utilities (eutils.ncbi.nlm.nih.gov/entrez/eutils).

``efetch.fcgi`` (GET or POST, ``db=pubmed``, ``id=``, ``retmode=xml``) answers a
``PubmedArticleSet`` with the recorded articles of ``import-samples/pubmed-xml``
(the efetch recordings and JabRef's samples) whose PMIDs are asked for; an
unknown PMID gives an empty set, as the real service does.  ``esearch.fcgi``
with ``term=<PMCID>[pmcid]`` or ``<doi>[doi]`` finds the PMID through the
articles' ``ArticleIdList``.  Replies carry ``X-RateLimit-Limit: 3`` (10 with an
``api_key``).  Faults as in `balintbib.testing.recorded`.

Run ``python -m balintbib.testing.ncbi`` for manual trials.
"""

from __future__ import annotations

import argparse
import re
from xml.etree.ElementTree import tostring

from defusedxml.ElementTree import fromstring

from .recorded import RecordedServer, samples_dir

HEAD = '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" ' \
       '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'


class NcbiServer(RecordedServer):
    def __init__(self, port: int = 0):
        super().__init__(port)
        self.articles: dict[str, bytes] = {}
        self.ids: dict[str, str] = {}  # "pmc6055010" / "10.1/x" (lower) -> pmid
        folder = samples_dir() / "pubmed-xml"
        for path in sorted(folder.rglob("*.xml")):
            try:
                root = fromstring(path.read_bytes())
            except Exception:
                continue  # the malformed samples
            for art in root.iter("PubmedArticle"):
                pmid = (art.findtext("MedlineCitation/PMID") or "").strip()
                if not pmid or pmid in self.articles:
                    continue
                self.articles[pmid] = tostring(art, encoding="utf-8")
                for aid in art.findall("PubmedData/ArticleIdList/ArticleId"):
                    if aid.get("IdType") in ("pmc", "doi") and aid.text:
                        self.ids[aid.text.strip().lower()] = pmid

    def route(self, method, path, query):
        limit = "10" if query.get("api_key") else "3"
        headers = {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": str(int(limit) - 1)}
        if path.endswith("/efetch.fcgi"):
            wanted = [i.strip() for i in query.get("id", "").split(",") if i.strip()]
            body = b"".join(self.articles[i] for i in wanted if i in self.articles)
            xml = HEAD.encode() + b"<PubmedArticleSet>\n" + body + b"\n</PubmedArticleSet>\n"
            return 200, "text/xml; charset=UTF-8", xml, headers
        if path.endswith("/esearch.fcgi"):
            term = query.get("term", "")
            m = re.fullmatch(r"\s*(.+?)\s*\[(pmcid|pmc|doi)\]\s*", term, re.I)
            found = self.ids.get(m.group(1).lower()) if m else None
            ids = f"<Id>{found}</Id>" if found else ""
            count = 1 if found else 0
            xml = (f'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>{count}</Count>'
                   f"<RetMax>{count}</RetMax><RetStart>0</RetStart><IdList>{ids}</IdList></eSearchResult>\n")
            return 200, "text/xml; charset=UTF-8", xml.encode(), headers
        return 404, "text/html", b"<html><body>Not Found</body></html>", headers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = NcbiServer(args.port).start()
    print(f"NCBI E-utilities test server at {srv.url}/entrez/eutils ({len(srv.articles)} articles); "
          "Ctrl-C stops it", flush=True)
    srv.serve_until_interrupted()


if __name__ == "__main__":
    main()
