"""Benchmark: a full fetch of a large Mendeley group from the local test server.

Seeds the Mendeley-compatible server (balintbib.testing.mendeley) with
10,000 group documents and 10,000 group notes, then times, over real HTTP on
127.0.0.1:

* the full fetch (documents in view=all + annotations, 500 per page);
* the mapping of every document to a Reference (formats.mendeley);
* an incremental fetch (modified_since) after one change;
* the full fetch again with faults injected (429 and 503 bursts, two dropped
  connections, every access token expiring mid-run).

Run:  PYTHONPATH=src python benchmarks/bench_mendeley_fetch.py [--documents N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from balintbib.formats.mendeley import from_mendeley
from balintbib.remotes.auth import StoredToken, TokenStore, token_record
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy, group_notes
from balintbib.testing.mendeley import MendeleyServer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--annotations", type=int, default=10_000)
    args = ap.parse_args()
    os.environ["BALINTBIB_HOME"] = tempfile.mkdtemp(prefix="bench-mendeley-")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

    rows: list[tuple[str, float, int, str]] = []
    with MendeleyServer() as srv:
        info = srv.setup_basic()
        t = time.perf_counter()
        srv.state.seed_group(info["group_id"], args.documents, args.annotations, seed=1)
        rows.append(("seed the server", time.perf_counter() - t, 0, f"{args.documents} docs + {args.annotations} notes"))

        store = TokenStore(use_keyring=False, warn=lambda m: None)
        reply = srv.state.issue_token(info["client_id"], info["profile_id"])
        store.save("bench", token_record(reply, {"client_id": info["client_id"],
                                                 "client_secret": info["client_secret"]}, time.time()))
        tokens = StoredToken("bench", srv.url, store)
        retry = RetryPolicy(base_delay=0.01, max_delay=0.1)
        client = MendeleyClient("bench", info["group_id"], tokens, api_url=srv.url, retry=retry, seed=1)

        srv.reset_counts()
        t = time.perf_counter()
        docs = client.documents_since()
        notes = client.annotations_since()
        elapsed = time.perf_counter() - t
        rows.append(("full fetch (docs + annotations)", elapsed, sum(srv.counts.values()),
                     f"{srv.count('GET', '/documents')} doc pages, {srv.count('GET', '/annotations')} annotation pages"))

        t = time.perf_counter()
        by_doc = group_notes(notes.records)
        refs = [from_mendeley(r.data, "bench", note=(by_doc[r.id].data.get("text") if r.id in by_doc else None))
                for r in docs.records]
        rows.append(("map to References", time.perf_counter() - t, 0, f"{len(refs)} references"))

        target = docs.records[42]
        client.update(target.id, {"title": "Changed"}, target.version)
        srv.reset_counts()
        t = time.perf_counter()
        changed = client.documents_since(docs.cursor)
        client.annotations_since(notes.cursor)
        client.deletions_since(docs.cursor)
        rows.append(("incremental fetch after 1 change", time.perf_counter() - t, sum(srv.counts.values()),
                     f"{len(changed.records)} changed document(s)"))

        srv.reset_counts()
        srv.faults.burst(429, 3)
        srv.faults.burst(503, 2)
        srv.faults.drop_next = 2
        srv.faults.expire_after = 10
        before = client.retries
        t = time.perf_counter()
        again = client.documents_since()
        again_notes = client.annotations_since()
        same = sorted(r.id for r in again.records) == sorted(r.id for r in docs.records) \
            and len(again_notes.records) == len(notes.records)
        rows.append(("full fetch under faults", time.perf_counter() - t, sum(srv.counts.values()),
                     f"{client.retries - before} retries, {tokens.refreshes} token refresh, same result: {same}"))

    width = max(len(r[0]) for r in rows)
    print(f"{'step'.ljust(width)}  {'seconds':>8}  {'requests':>8}  notes")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 8}  {'-' * 40}")
    for name, seconds, requests_, note in rows:
        print(f"{name.ljust(width)}  {seconds:8.2f}  {requests_ or '':>8}  {note}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
