"""The Zotero test server and client against ../shared/zotero-recordings/:

* every exchange of ``reconstructed/exchanges.json`` is answered the same way
  (status, the headers it lists, the body where it is concrete) by the test server;
* every recorded body of ``pyzotero/`` is served by the test server and parsed by the
  client and the mapping without losing a field.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from balintbib.formats.zotero import from_zotero, to_zotero
from balintbib.formats.zotero_tables import ITEM_TYPES, KEY_ALPHABET
from balintbib.library import Library
from balintbib.remotes.zotero import ZoteroClient
from balintbib.sync.engine import SyncEngine
from balintbib.sync.zotero import ZoteroAdapter
from balintbib.testing.zotero import ZoteroServer

from zotero_support import REMOTE, make_client


@pytest.fixture
def recordings(shared):
    path = shared / "zotero-recordings"
    if not path.is_dir():
        pytest.skip("zotero recordings not found")
    return path


def _exchanges(recordings) -> list[dict]:
    return json.loads((recordings / "reconstructed" / "exchanges.json").read_text())["exchanges"]


# -- the world the exchanges describe ----------------------------------------------------

def exchange_world(setup_version: int | None = None):
    """Group 12345 at library version 131: ABCD2345 (v131), BCDE3456 (v125, "Unchanged title"),
    CDEF4567 (v129), 57 more top-level items older than 118, DEFG5678 and the tag
    "obsolete tag" deleted after 118."""
    srv = ZoteroServer().start()
    st = srv.state
    user = st.add_user("enid")
    g = st.add_group("Exchanges", user, "12345")
    key = st.add_key(user, {"12345": True})
    for i in range(57):
        st.put_item(g, {"itemType": "book", "title": f"Old book {i}", "key": f"QLDB{KEY_ALPHABET[i // 33]}{KEY_ALPHABET[i % 33]}22",
                        "dateModified": f"2020-01-01T00:00:{i:02d}Z"}, version=1 + i)
    st.put_item(g, {"itemType": "book", "key": "DEFG5678", "title": "gone"}, version=100)
    g.deleted["DEFG5678"] = 120
    g.items.pop("DEFG5678")
    g.deleted_tags["obsolete tag"] = 121
    st.put_item(g, {"itemType": "journalArticle", "key": "BCDE3456", "title": "Unchanged title"}, version=125)
    st.put_item(g, {"itemType": "journalArticle", "key": "CDEF4567", "title": "c"}, version=129)
    st.put_item(g, {"itemType": "journalArticle", "key": "ABCD2345", "title": "a"}, version=131)
    g.version = setup_version or 131
    return srv, key


PREPARE = {
    "single-object PATCH, success": lambda srv, key: setattr(srv.state.groups["12345"], "version", 133),
    "multi DELETE": lambda srv, key: setattr(srv.state.groups["12345"], "version", 134),
    "rate limit": lambda srv, key: srv.faults.burst(429, 1, "10", "Request rate limit exceeded"),
    "concurrency limit": lambda srv, key: srv.faults.burst(429, 1, "17", "Concurrent request limit exceeded"),
    "server asks clients to slow down (on any response, even 200)":
        lambda srv, key: (setattr(srv.faults, "backoff_next", 1), setattr(srv.faults, "backoff_seconds", "30")),
    "deletion log older than the server keeps (client-side handling)":
        lambda srv, key: setattr(srv.faults, "deleted_409", True),
    "repeated write token": lambda srv, key: requests.post(
        f"{srv.url}/groups/12345/items", json=[{"itemType": "book", "title": "first"}],
        headers={"Zotero-API-Key": key, "Zotero-Write-Token": "19a4f01ad623aa7214f82347e3711f56"}),
}


def _request_body(exchange: dict):
    body = exchange["request"].get("body")
    if body == "[51 objects]":
        return [{"itemType": "book", "title": f"b{i}"} for i in range(51)]
    if isinstance(body, str):  # "[...]", "[same body as...]"
        return [{"itemType": "book", "title": "something"}]
    if isinstance(body, list):
        out = []
        for obj in body:
            obj = dict(obj)
            if obj.get("note") == "<500,001 chars>":
                obj["note"] = "1234567890" * 50001
            out.append(obj)
        return out
    return body


def _placeholder(value) -> bool:
    return isinstance(value, str) and (value.startswith("<") and value.endswith(">") or value.startswith("[")
                                       and ("..." in value or "<" in value))


def matches(expected, actual, path="body") -> list[str]:
    """Differences of `actual` from the concrete parts of `expected` ("..." keys and
    "<...>"/"[...]" strings are placeholders)."""
    if _placeholder(expected):
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"[:200]]
        out = []
        for k, v in expected.items():
            if k == "...":
                continue
            if k not in actual:
                out.append(f"{path}.{k}: missing")
            else:
                out += matches(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"[:300]]
        return [d for e, a, i in zip(expected, actual, range(len(expected))) for d in matches(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"[:300]]


def test_every_exchange_is_answered_as_recorded(recordings):
    exchanges = _exchanges(recordings)
    assert len(exchanges) == 23
    problems = []
    for ex in exchanges:
        srv, key = exchange_world()
        try:
            if ex["name"] in PREPARE:
                PREPARE[ex["name"]](srv, key)
            if ex["name"] == "no write permission":
                reader = srv.state.add_user("reader")
                key = srv.state.add_key(reader, {"12345": False})
            req = ex["request"]
            headers = {k: v for k, v in (req.get("headers") or {}).items() if k != "Zotero-API-Key"}
            headers["Zotero-API-Key"] = key
            body = _request_body(ex)
            resp = requests.request(req["method"], srv.url + req["path"], headers=headers,
                                    json=body if body is not None else None)
            want = ex["response"]
            if resp.status_code != want["status"]:
                problems.append(f"{ex['name']}: status {resp.status_code} != {want['status']} ({resp.text[:200]})")
                continue
            for name, value in (want.get("headers") or {}).items():
                value = value.replace("https://api.zotero.org", srv.url)
                if resp.headers.get(name) != value:
                    problems.append(f"{ex['name']}: header {name}: {resp.headers.get(name)!r} != {value!r}")
            expected = want.get("body")
            if expected is None:
                if resp.content:
                    problems.append(f"{ex['name']}: expected no body, got {resp.text[:100]!r}")
            elif isinstance(expected, str) and not _placeholder(expected):
                if resp.text != expected:
                    problems.append(f"{ex['name']}: body {resp.text[:200]!r} != {expected!r}")
            elif not _placeholder(expected):
                problems += [f"{ex['name']}: {d}" for d in matches(expected, resp.json())]
            if resp.status_code >= 400:  # error bodies are plain text, never JSON
                assert resp.headers["Content-Type"].startswith("text/plain")
        finally:
            srv.stop()
    assert problems == []


def test_the_client_follows_the_exchanges(recordings):
    """The client's side of the same contract: 304 = no change in one request, versions then
    itemKey batches then /deleted, Retry-After and Backoff honoured, 409 on /deleted = full pull."""
    srv, key = exchange_world()
    try:
        sleeps = []
        from balintbib.remotes.auth import ZoteroKey
        from balintbib.remotes.mendeley import RetryPolicy

        client = ZoteroClient(REMOTE, "12345", ZoteroKey(REMOTE, key), api_url=srv.url,
                              retry=RetryPolicy(base_delay=0.001, max_delay=0.01, sleep=sleeps.append))
        assert client.versions(131) is None and client.requests == 1
        assert client.versions(118) == {"ABCD2345": 131, "BCDE3456": 125, "CDEF4567": 129}
        assert client.library_version == 131
        assert sorted(e["key"] for e in client.items(["ABCD2345", "BCDE3456"])) == ["ABCD2345", "BCDE3456"]
        assert client.deleted(118) == ["DEFG5678"]
        srv.faults.burst(429, 1, "10")
        srv.faults.backoff_next, srv.faults.backoff_seconds = 1, "30"
        client.versions(131)
        assert 10.0 in sleeps  # Retry-After
        client.versions(131)
        assert any(29 < s <= 30 for s in sleeps)  # Backoff from the 200 paused the next request
        srv.faults.deleted_409 = True
        adapter = ZoteroAdapter(client)
        listing = adapter.documents_since("118")
        assert len(listing.ids) == 60  # the 409 turned the pull into a full one
    finally:
        srv.stop()


# -- the recorded bodies ------------------------------------------------------------------

def _same_item(original: dict, back: dict) -> list[str]:
    out = []
    for k, v in original.items():
        if k in ("key", "version") or v in ("", [], {}, None):
            continue
        if k == "creators":
            got = [{kk: vv for kk, vv in c.items() if vv} for c in back.get(k, [])]
            want = [{kk: vv for kk, vv in c.items() if vv} for c in v]
            # a two-field name with an empty first name comes back as the one-field form
            want = [{"creatorType": c["creatorType"], "name": c["lastName"]}
                    if set(c) == {"creatorType", "lastName"} and " " in c["lastName"] else c for c in want]
            if got != want:
                out.append(f"{k}: {want} != {got}")
        elif k == "extra":
            # an identifier line of an older client moves into the field the schema now has
            lines = set(back.get("extra", "").split("\n"))
            for line in v.split("\n"):
                label, _, value = line.partition(": ")
                if line not in lines and back.get(label) != value:
                    out.append(f"extra line {line!r} lost")
        elif back.get(k) != v:
            out.append(f"{k}: {v!r} != {back.get(k)!r}")
    return out


def test_recorded_items_are_served_and_parsed_without_loss(recordings, tmp_path):
    items = json.loads((recordings / "pyzotero" / "items_doc.json").read_text())
    items.append(json.loads((recordings / "pyzotero" / "item_doc.json").read_text()))
    attachments = json.loads((recordings / "pyzotero" / "attachments_doc.json").read_text())
    attachments = attachments if isinstance(attachments, list) else [attachments]
    srv = ZoteroServer().start()
    try:
        srv.info = srv.setup_basic()
        g = srv.group(srv.info["group_id"])
        for env in items + attachments:
            data = dict(env["data"])
            data.pop("version", None)
            srv.state.put_item(g, data)
        client = make_client(srv)
        # Served: a full listing, paged by the client as the engine does.
        adapter = ZoteroAdapter(client)
        docs = adapter.documents_since(None).records
        keys = {e["data"]["key"] for e in items}
        assert {r.id for r in docs} == keys  # attachments are not references
        by_key = {r.id: r.data for r in docs}
        for env in items:
            original = env["data"]
            ref = from_zotero(by_key[original["key"]], REMOTE).reference
            back = to_zotero(ref, REMOTE)
            assert _same_item(original, back) == [], original["key"]
        # Parsed into a library through the engine, every item once.
        lib_dir = tmp_path / "lib"
        lib_dir.mkdir()
        report = SyncEngine(Library.load(lib_dir), ZoteroAdapter(make_client(srv))).pull()
        assert len(report.added) == len(keys)
    finally:
        srv.stop()


def test_recorded_listings_and_schema_shapes(recordings):
    base = recordings / "pyzotero"
    srv = ZoteroServer().start()
    try:
        srv.info = srv.setup_basic()
        client = make_client(srv)
        # versions and keys formats: the shapes the client reads
        versions = json.loads((base / "item_versions.json").read_text())
        assert all(re.fullmatch(r"[A-Z0-9]{8}", k) and isinstance(v, int) for k, v in versions.items())
        keys = (base / "keys_doc.txt").read_text().split()
        assert keys and all(len(k) == 8 for k in keys)
        # the group object: the same keys as the recorded one
        recorded_group = json.loads((base / "groups_doc.json").read_text())
        recorded_group = recorded_group[0] if isinstance(recorded_group, list) else recorded_group
        served = client.request("GET", f"/groups/{srv.info['group_id']}", what="group").json()
        assert set(recorded_group["data"]) - set(served["data"]) <= {"hasImage"}
        assert set(recorded_group) - set(served) <= {"library"}
        assert client.groups()[0]["id"] == srv.info["group_id"]
        # tags: {tag, links, meta:{type, numItems}}
        recorded_tags = json.loads((base / "tags_doc.json").read_text())
        srv.state.put_item(srv.group(srv.info["group_id"]), {"itemType": "book", "title": "t",
                                                             "tags": [{"tag": "Balint"}]})
        served_tags = client.request("GET", f"/groups/{srv.info['group_id']}/tags", what="tags").json()
        assert set(recorded_tags[0]) == set(served_tags[0]) and set(recorded_tags[0]["meta"]) <= set(served_tags[0]["meta"])
        # the template: every recorded key is served
        template = json.loads((base / "item_template.json").read_text())
        served_template = client.request("GET", "/items/new", params={"itemType": template["itemType"]},
                                         what="template").json()
        assert set(template) <= set(served_template)
        # the older schema's types and fields are all known to the schema table
        types = {t["itemType"] for t in json.loads((base / "item_types.json").read_text())}
        assert types <= set(ITEM_TYPES)
        fields = {f["field"] for f in json.loads((base / "item_fields.json").read_text())}
        known = {f for t in ITEM_TYPES.values() for f in t["fields"]} | set(
            b for t in ITEM_TYPES.values() for b in t["base"].values())
        assert fields - known == set(), fields - known  # an older field would land in zotero-<field>, kept
        # a write report with only the old keys ("success"): read as done, nothing lost
        creation = json.loads((base / "creation_doc.json").read_text())
        assert "success" in creation and "successful" not in creation
        # collections: parsed shapes
        cols = json.loads((base / "collections_doc.json").read_text())
        assert all("data" in c and "key" in c["data"] for c in cols)
    finally:
        srv.stop()


def test_malformed_answers_are_one_clear_error_or_kept(tmp_path):
    """A broken body is one line naming what was being done; odd item shapes lose nothing."""
    from balintbib.remotes.base import RemoteError

    srv = ZoteroServer().start()
    try:
        srv.info = srv.setup_basic()
        g = srv.group(srv.info["group_id"])
        srv.state.put_item(g, {"itemType": "book", "title": "Odd", "creators": "not a list",
                               "tags": ["plain string tag", {"tag": "ok"}], "collections": "ABCD2345"})
        client = make_client(srv)
        adapter = ZoteroAdapter(client)
        rec = adapter.documents_since(None).records[0]
        ref = from_zotero(rec.data, REMOTE).reference
        assert ref.title == "Odd" and sorted(ref.tags) == ["ok", "plain string tag"]
        assert ref.get("zotero-collections") == "ABCD2345"
        original = srv._httpd.RequestHandlerClass.reply

        def broken(self, status, body, media_type=None, headers=None):
            return original(self, status, "<html>Bad gateway</html>" if status == 200 else body, media_type, headers)

        srv._httpd.RequestHandlerClass.reply = broken
        try:
            with pytest.raises(RemoteError) as err:
                make_client(srv).versions(None)
            assert "not JSON" in str(err.value) and "\n" not in str(err.value)
        finally:
            srv._httpd.RequestHandlerClass.reply = original
    finally:
        srv.stop()
