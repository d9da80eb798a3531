"""The Mendeley client against the local Mendeley-compatible server, over real HTTP."""

from __future__ import annotations

import json
import time

import pytest
import requests

from balintbib.formats.mendeley import from_mendeley, to_mendeley, writable
from balintbib.model import Reference
from balintbib.remotes.auth import EnvToken, StoredToken, TokenStore, token_record
from balintbib.remotes.base import AuthError, NotFound, PermissionDenied, PreconditionFailed, RemoteError
from balintbib.remotes.mendeley import MT_DOCUMENT, RetryPolicy, group_notes, http_date
from balintbib.testing.mendeley import MendeleyServer

from mendeley_support import FAST_RETRY, balintbib_home, make_client, server  # noqa: F401

N = 10_000


@pytest.fixture(scope="module")
def big():
    srv = MendeleyServer().start()
    srv.info = srv.setup_basic()
    srv.state.seed_group(srv.info["group_id"], N, N, seed=7)
    yield srv
    srv.stop()


@pytest.fixture
def big_server(big):
    big.faults.clear()
    big.reset_counts()
    big.info["token"] = big.state.issue_token(big.info["client_id"], big.info["profile_id"])
    yield big
    big.faults.clear()


@pytest.fixture(scope="module")
def medium():
    """2,000 documents: four pages of 500, enough for faults to land mid-run."""
    srv = MendeleyServer().start()
    srv.info = srv.setup_basic()
    srv.state.seed_group(srv.info["group_id"], 2000, 0, seed=3)
    srv.baseline = snapshot(make_client(srv).documents_since())
    yield srv
    srv.stop()


def snapshot(listing):
    return sorted((r.id, r.version) for r in listing.records)


def test_full_fetch_takes_twenty_pages_of_each(big_server):
    client = make_client(big_server)
    docs = client.documents_since()
    notes = client.annotations_since()
    assert len(docs.records) == N and len(set(docs.ids)) == N
    assert len(notes.records) == N and len(set(notes.ids)) == N
    assert big_server.count("GET", "/documents") == 20
    assert big_server.count("GET", "/annotations") == 20
    assert sum(big_server.counts.values()) == 40 == client.requests
    # view=all: bib, client and tags fields come with every document
    assert {"tags", "read", "pages", "identifiers"} <= set(docs.records[0].data)
    assert len(group_notes(notes.records)) == N


def test_incremental_fetch_after_one_change(big_server):
    client = make_client(big_server)
    docs = client.documents_since()
    notes = client.annotations_since()
    target = docs.records[1234]
    client.update(target.id, {"title": "Changed in the group"}, target.version)
    big_server.reset_counts()
    changed = client.documents_since(docs.cursor)
    assert [r.id for r in changed.records] == [target.id]
    assert changed.records[0].data["title"] == "Changed in the group"
    assert client.annotations_since(notes.cursor).records == []
    assert client.deletions_since(docs.cursor).records == []
    assert sum(big_server.counts.values()) <= 4


@pytest.mark.parametrize("fault", ["429", "503", "drop", "expire", "slow"])
def test_fetch_survives_faults_with_the_same_result(medium, fault):
    srv = medium
    srv.faults.clear()
    # A stored login that refreshes, as a user's would.
    store = TokenStore(use_keyring=False, warn=lambda m: None)
    reply = srv.state.issue_token(srv.info["client_id"], srv.info["profile_id"])
    store.save("society", token_record(reply, {"client_id": srv.info["client_id"],
                                               "client_secret": srv.info["client_secret"]}, time.time()))
    tokens = StoredToken("society", srv.url, store)
    client = make_client(srv, tokens=tokens, timeout=(2, 0.3))
    if fault == "429":
        srv.faults.burst(429, 4)
    elif fault == "503":
        srv.faults.burst(503, 3)
    elif fault == "drop":
        srv.faults.drop_next = 2
    elif fault == "expire":
        srv.faults.expire_after = 2  # mid-run, after two pages
    elif fault == "slow":
        srv.faults.delay, srv.faults.delay_next = 1.0, 1  # one reply slower than the read timeout
    listing = client.documents_since()
    srv.faults.clear()
    assert snapshot(listing) == srv.baseline
    assert client.retries + tokens.refreshes >= 1
    if fault == "expire":
        assert tokens.refreshes == 1
        assert store.load("society")["access_token"] != reply["access_token"]


def test_rate_limit_that_never_ends_is_one_clear_error(server):
    client = make_client(server, retry=RetryPolicy(attempts=3, **FAST_RETRY))
    server.faults.burst(429, 10)
    with pytest.raises(RemoteError) as err:
        client.documents_since()
    assert "429" in str(err.value) and "after 3 tries" in str(err.value)
    assert server.count("GET", "/documents") == 3


def test_expired_environment_token_says_what_to_do(server, monkeypatch):
    token = server.info["token"]["access_token"]
    client = make_client(server, tokens=EnvToken(token))
    server.expire_tokens()
    with pytest.raises(AuthError) as err:
        client.documents_since()
    assert "expired" in str(err.value) and "balintbib login society" in str(err.value)
    assert token not in str(err.value) and token not in repr(client) and token not in repr(client.tokens)


def test_refresh_ahead_of_expiry_and_refresh_token_rotation(server):
    store = TokenStore(use_keyring=False, warn=lambda m: None)
    reply = server.state.issue_token(server.info["client_id"], server.info["profile_id"], lifetime=120)
    store.save("society", token_record(reply, {"client_id": server.info["client_id"],
                                               "client_secret": server.info["client_secret"]}, time.time()))
    tokens = StoredToken("society", server.url, store)
    client = make_client(server, tokens=tokens)
    client.documents_since()
    assert tokens.refreshes == 1  # under 5 minutes left: refreshed before the request
    saved = store.load("society")
    assert saved["refresh_token"] != reply["refresh_token"]  # rotated and persisted
    old = requests.post(f"{server.url}/oauth/token", data={"grant_type": "refresh_token",
                        "refresh_token": reply["refresh_token"]},
                        auth=(server.info["client_id"], server.info["client_secret"]))
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"


def test_create_update_with_null_and_precondition(server):
    client = make_client(server)
    ref = Reference("balint1957", "book", {"author": "Balint, Michael", "title": "The Doctor, His Patient and the Illness",
                                           "publisher": "Pitman", "year": "1957", "keywords": "classics"})
    created = client.create(writable(to_mendeley(ref, "society")))
    assert created.data["group_id"] == server.info["group_id"] and "." in created.data["created"]
    fetched = client.get(created.id)
    back = from_mendeley(fetched.data, "society").reference
    assert back.remote_ids == {"society": created.id}
    for name in ref.fields:
        assert back.fields[name] == ref.fields[name]
    updated = client.update(created.id, {"publisher": None, "edition": "2nd"}, fetched.version)
    assert "publisher" not in updated.data and updated.data["edition"] == "2nd"
    assert updated.data["title"] == ref.text("title")  # unsent fields untouched
    time.sleep(1.05)  # last_modified has one-second granularity
    client.update(created.id, {"edition": "3rd"}, updated.version)
    with pytest.raises(PreconditionFailed) as err:
        client.update(created.id, {"edition": "4th"}, updated.version, title="The Doctor")
    assert created.id in str(err.value) and "The Doctor" in str(err.value)


def test_if_unmodified_since_accepts_http_date_and_iso(server):
    client = make_client(server)
    rec = client.create({"title": "T", "type": "journal"})
    headers = {"Authorization": f"Bearer {server.info['token']['access_token']}",
               "Accept": MT_DOCUMENT, "Content-Type": MT_DOCUMENT}
    past = "2001-01-01T00:00:00.000Z"
    for value in (http_date(past), past):
        r = requests.patch(f"{server.url}/documents/{rec.id}", data=json.dumps({"title": "x"}),
                           headers={**headers, "If-Unmodified-Since": value})
        assert r.status_code == 412
    r = requests.patch(f"{server.url}/documents/{rec.id}", data=json.dumps({"title": "x"}),
                       headers={**headers, "If-Unmodified-Since": "2100-01-01T00:00:00Z"})
    assert r.status_code == 200


def test_followers_are_read_only(server):
    st = server.state
    follower = st.add_profile("Fay", "Follower")
    st.add_member(server.info["group_id"], follower, "follower")
    owner_client = make_client(server)
    rec = owner_client.create({"title": "Shared paper", "type": "journal"})
    tok = st.issue_token(server.info["client_id"], follower)
    client = make_client(server, tokens=EnvToken(tok["access_token"]))
    assert [r.id for r in client.documents_since().records] == [rec.id]
    with pytest.raises(PermissionDenied) as err:
        client.update(rec.id, {"title": "Mine now"}, rec.version, title="Shared paper")
    assert "Shared paper" in str(err.value) and "403" in str(err.value)


def test_trash_restore_delete_and_deletion_log(server):
    client = make_client(server)
    keep = client.create({"title": "Keep", "type": "journal"})
    gone = client.create({"title": "Gone", "type": "book"})
    start = client.documents_since()
    client.move_to_trash(gone.id)
    assert [r.id for r in client.documents_since().records] == [keep.id]
    assert [r.id for r in client.trash().records] == [gone.id]
    with pytest.raises(NotFound):
        client.get(gone.id)
    client.restore(gone.id)
    assert client.trash().records == []
    client.move_to_trash(gone.id)
    client.delete(gone.id)  # from the trash, for good
    assert client.deletions_since(start.cursor).ids == [gone.id]
    client.delete(keep.id)
    assert set(client.deletions_since(start.cursor).ids) == {gone.id, keep.id}


def test_group_note_round_trip(server):
    client = make_client(server)
    doc = client.create({"title": "Paper", "type": "journal"})
    note = client.create_annotation({"document_id": doc.id, "text": "Read before the session.",
                                     "privacy_level": "group"})
    assert note.id == doc.id and note.data["type"] == "note"
    notes = group_notes(client.annotations_since().records)
    assert notes[doc.id].data["text"] == "Read before the session."
    client.update_annotation(note.id, {"text": "Changed"}, document_id=doc.id)
    assert group_notes(client.annotations_since().records)[doc.id].data["text"] == "Changed"
    client.delete_annotation(note.id, document_id=doc.id)
    assert client.annotation_deletions_since("2000-01-01T00:00:00.000Z").ids == [doc.id]


def test_a_lost_create_is_not_blindly_repeated(server):
    client = make_client(server)
    server.faults.drop_next = 1
    with pytest.raises(RemoteError) as err:
        client.create({"title": "Once only", "type": "journal"})
    assert "may or may not" in str(err.value)
    assert server.count("POST", "/documents") == 1


def test_media_types_limits_and_errors(server):
    base = {"Authorization": f"Bearer {server.info['token']['access_token']}"}
    r = requests.get(f"{server.url}/documents", headers={**base, "Accept": "application/json"})
    assert r.status_code == 406
    r = requests.post(f"{server.url}/documents", data=json.dumps({"title": "x", "type": "journal"}),
                      headers={**base, "Accept": MT_DOCUMENT, "Content-Type": "application/json"})
    assert r.status_code == 415
    r = requests.get(f"{server.url}/documents", params={"limit": 501}, headers={**base, "Accept": MT_DOCUMENT})
    assert r.status_code == 400 and "limit" in r.json()["message"]
    r = requests.get(f"{server.url}/documents", headers={"Accept": MT_DOCUMENT})
    assert r.status_code == 401 and r.headers["Date"]
    r = requests.post(f"{server.url}/documents", data=json.dumps({"title": "x", "type": "novel"}),
                      headers={**base, "Accept": MT_DOCUMENT, "Content-Type": MT_DOCUMENT})
    assert r.status_code == 400 and "type" in r.json()["message"]


def test_groups_and_profile(server):
    client = make_client(server)
    groups = client.groups()
    assert [(g["id"], g["role"]) for g in groups] == [(server.info["group_id"], "owner")]
    assert client.me()["id"] == server.info["profile_id"]
    assert client.members()[0]["role"] == "owner"


def test_the_server_runs_standalone_for_manual_trials():
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src"
    proc = subprocess.Popen([sys.executable, "-m", "balintbib.testing.mendeley", "--port", "0", "--seed", "30"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(src)})
    try:
        lines = [proc.stdout.readline() for _ in range(5)]
        url = lines[0].split()[-1]
        group = lines[1].split()[-1]
        token = lines[4].split()[2]
        r = requests.get(f"{url}/documents", params={"group_id": group, "limit": 10},
                         headers={"Authorization": f"Bearer {token}", "Accept": MT_DOCUMENT}, timeout=10)
        assert r.status_code == 200 and len(r.json()) == 10
        assert r.headers["Mendeley-Count"] == "30" and 'rel="next"' in r.headers["Link"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
