"""The pure parts of sync: three-way merge and planning (no network, no files)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from balintbib.model import Reference
from balintbib.sync.merge import (
    CONFLICT, EXPRESSION_MARK, apply_snapshot, equivalent, merge, snapshot, to_reference,
)
from balintbib.sync.plan import (
    ADD, CREATE, REMOVE, SET, TRASH, UPDATE, LocalRef, RemoteDoc, plan_pull, plan_push,
)
from balintbib.sync.state import DELETED_LOCALLY, DELETED_REMOTELY, FIELDS, Conflict, DocState, SyncState

NAMES = st.sampled_from(["title", "author", "year", "journal", "pages", "doi", "annotation", "@type"])
VALUES = st.sampled_from(["a", "b", "c", "{B}alint", "Balint", EXPRESSION_MARK + "jan", "1957"])
SNAPS = st.dictionaries(NAMES, VALUES, max_size=6)


@given(SNAPS, SNAPS)
def test_merge_with_unchanged_theirs_is_ours(base, ours):
    assert merge(base, ours, base).merged == ours
    assert merge(base, ours, base).conflicts == []


@given(SNAPS, SNAPS)
def test_merge_with_unchanged_ours_is_theirs(base, theirs):
    result = merge(base, base, theirs)
    assert result.merged == theirs and result.conflicts == []


@given(SNAPS, SNAPS, SNAPS)
def test_conflicts_are_symmetric(base, ours, theirs):
    one = merge(base, ours, theirs)
    other = merge(base, theirs, ours)
    assert {c.name for c in one.conflicts} == {c.name for c in other.conflicts}
    for c in one.conflicts:
        mirror = next(x for x in other.conflicts if x.name == c.name)
        assert (mirror.ours, mirror.theirs, mirror.base) == (c.theirs, c.ours, c.base)
    # Without conflicts, the order of the sides does not matter.
    if not one.conflicts:
        assert one.merged == other.merged


@given(SNAPS, SNAPS, SNAPS)
def test_no_field_is_ever_dropped(base, ours, theirs):
    result = merge(base, ours, theirs)
    conflicted = {c.name for c in result.conflicts}
    for name in set(ours) | set(theirs):
        if name in result.merged or name in conflicted:
            continue
        # Gone only when one side deleted it and the other left it as it was.
        deleted_by_ours = name not in ours and theirs.get(name) == base.get(name)
        deleted_by_theirs = name not in theirs and ours.get(name) == base.get(name)
        assert deleted_by_ours or deleted_by_theirs, name
    for c in result.conflicts:
        assert result.merged.get(c.name) == c.ours  # the library keeps ours until resolved
        assert c.theirs == theirs.get(c.name)


@given(SNAPS, SNAPS, SNAPS)
def test_merged_values_come_from_a_side(base, ours, theirs):
    result = merge(base, ours, theirs)
    for name, value in result.merged.items():
        assert value in (ours.get(name), theirs.get(name))


@settings(max_examples=50)
@given(SNAPS, SNAPS)
def test_synced_base_after_a_clean_merge_shows_only_our_unsent_changes(base, ours):
    result = merge(base, ours, base)
    new_base = result.synced_base(base)
    assert new_base == base  # nothing came from theirs: our changes are all still to send


def test_field_examples():
    base = {"title": "Doctor", "year": "1957", "pages": "1--2"}
    ours = {"title": "The doctor", "year": "1957", "pages": "1--2"}
    theirs = {"title": "Doctor", "year": "1957", "pages": "1--3", "volume": "4"}
    result = merge(base, ours, theirs)
    assert result.merged == {"title": "The doctor", "year": "1957", "pages": "1--3", "volume": "4"}
    both = merge(base, {**base, "title": "A"}, {**base, "title": "B"})
    assert both.outcome["title"] == CONFLICT and both.merged["title"] == "A"
    assert both.conflicts[0].theirs == "B" and both.conflicts[0].base == "Doctor"
    # Deleted on one side, unchanged on the other: deleted.
    assert "pages" not in merge(base, {k: v for k, v in base.items() if k != "pages"}, base).merged
    # Deleted on one side, changed on the other: a conflict.
    gone = merge(base, {k: v for k, v in base.items() if k != "pages"}, {**base, "pages": "9"})
    assert gone.conflicts[0].name == "pages" and gone.conflicts[0].ours is None


def test_each_side_is_compared_with_its_own_ancestor():
    # The remote spells {B}alint as Balint: not a change of theirs.
    base_local = {"title": "{B}alint groups"}
    base_remote = {"title": "Balint groups"}
    result = merge(base_local, {"title": "{B}alint groups today"}, {"title": "Balint groups"},
                   theirs_base=base_remote)
    assert result.merged == {"title": "{B}alint groups today"} and result.clean
    # Both changed to the same text in different spellings: agree, keep ours.
    result = merge({"title": "x"}, {"title": "{B}alint"}, {"title": "Balint"}, agree=equivalent)
    assert result.clean and result.merged == {"title": "{B}alint"}


def test_snapshots_round_trip_expressions_type_and_keep_the_link():
    ref = Reference("k", "article", {"month": "jan", "title": "T", "remote-ids": "society:1"}, {"month"})
    snap = snapshot(ref)
    assert snap == {"@type": "article", "month": EXPRESSION_MARK + "jan", "title": "T"}
    other = Reference("k2", "book", {"remote-ids": "society:1", "title": "old"})
    apply_snapshot(other, snap)
    assert other.type == "article" and other.expressions == {"month"}
    assert other.fields == {"month": "jan", "title": "T", "remote-ids": "society:1"}
    assert snapshot(to_reference("k", snap)) == snap


# -- planning -----------------------------------------------------------------------------

def _state(**docs) -> SyncState:
    s = SyncState("society")
    for ident, (local, version) in docs.items():
        s.docs[ident] = DocState.make(local, local, version)
    return s


A = {"@type": "article", "title": "Doctor", "year": "1957", "doi": "10.1/x"}


def test_plan_pull_new_changed_deleted_and_unchanged():
    state = _state(d1=(A, "v1"), d2=(A, "v1"), d3=(A, "v1"))
    local = [LocalRef("k1", dict(A), "d1"), LocalRef("k2", dict(A), "d2"), LocalRef("k3", dict(A), "d3")]
    remote = [
        RemoteDoc("d1", "v2", {**A, "year": "1958"}),
        RemoteDoc("d2", "v1", dict(A)),  # listed again by the overlap window
        RemoteDoc("d3", "", None, "deleted"),
        RemoteDoc("d4", "v1", {"@type": "book", "title": "New"}, citation_key="new1"),
    ]
    actions = {a.id: a for a in plan_pull(local, state, remote)}
    assert actions["d1"].library == SET and actions["d1"].snapshot["year"] == "1958"
    assert "d2" not in actions
    assert actions["d3"].library == REMOVE and actions["d3"].drop_base
    assert actions["d4"].library == ADD and actions["d4"].citation_key == "new1"


def test_plan_pull_conflicts_and_deletions_against_edits():
    state = _state(d1=(A, "v1"), d2=(A, "v1"), d3=(A, "v1"))
    local = [LocalRef("k1", {**A, "year": "1960"}, "d1"), LocalRef("k2", {**A, "title": "Mine"}, "d2")]
    remote = [
        RemoteDoc("d1", "v2", {**A, "year": "1961"}),
        RemoteDoc("d2", "", None, "trashed"),
        RemoteDoc("d3", "v2", {**A, "title": "Theirs"}),  # deleted here, edited there
    ]
    actions = {a.id: a for a in plan_pull(local, state, remote)}
    c1 = actions["d1"].conflict
    assert c1.kind == FIELDS and c1.fields[0].name == "year" and c1.fields[0].theirs == "1961"
    assert actions["d1"].base is None  # the ancestor stays until resolved
    assert actions["d2"].conflict.kind == DELETED_REMOTELY and actions["d2"].library == ""
    assert actions["d3"].conflict.kind == DELETED_LOCALLY and actions["d3"].conflict.theirs["title"] == "Theirs"


def test_plan_pull_links_same_doi_or_marker_instead_of_adding():
    local = [LocalRef("mine", {**A, "title": "Doctor!"}), LocalRef("other", {"@type": "book", "title": "Other"})]
    remote = [RemoteDoc("d9", "v1", dict(A)), RemoteDoc("d8", "v1", {"@type": "book", "title": "Other"},
                                                         citation_key="other")]
    actions = {a.id: a for a in plan_pull(local, SyncState("society"), remote)}
    assert actions["d9"].link and actions["d9"].key == "mine" and actions["d9"].library != ADD
    assert actions["d9"].conflict is None or actions["d9"].conflict.fields[0].name == "title"
    assert actions["d8"].link and actions["d8"].key == "other" and actions["d8"].conflict is None


def test_plan_push():
    state = _state(d1=(A, "v1"), d2=(A, "v1"), d3=(A, "v1"), d4=(A, "v1"))
    state.conflicts["d4"] = Conflict("d4", "k4", FIELDS)
    local = [LocalRef("k1", {**A, "year": "1958"}, "d1"), LocalRef("k2", dict(A), "d2"),
             LocalRef("new", {"@type": "misc", "title": "N"}), LocalRef("k4", {**A, "year": "1"}, "d4"),
             LocalRef("k5", dict(A), "d5")]
    plan = plan_push(local, state)
    kinds = sorted((op.kind, op.key or op.id) for op in plan.ops)
    assert kinds == [(CREATE, "new"), (TRASH, "d3"), (UPDATE, "k1")]
    assert next(op for op in plan.ops if op.kind == UPDATE).describe() == "update k1: year"
    assert {k for k, _ in plan.skipped} == {"k4", "k5"}


def test_plan_pull_recognises_a_second_copy_of_our_own_create():
    # Our create of k1 timed out, was sent again, and the first one landed late.
    state = _state(d1=(A, "v1"))
    local = [LocalRef("k1", dict(A), "d1")]
    late = RemoteDoc("d2", "v1", dict(A), citation_key="k1")
    [action] = plan_pull(local, state, [late])
    assert action.duplicate_of == "k1" and action.library == "" and action.base is not None
    # Someone else's document with the same title but another key is new, not a duplicate.
    other = RemoteDoc("d3", "v1", dict(A), citation_key="smith")
    [action] = plan_pull(local, state, [other])
    assert action.library == ADD and not action.duplicate_of


def test_plan_push_skips_entries_sharing_one_document():
    state = _state(d1=(A, "v1"))
    local = [LocalRef("k1", {**A, "year": "1"}, "d1"), LocalRef("copy", {**A, "year": "2"}, "d1")]
    plan = plan_push(local, state)
    assert plan.ops == [] and {k for k, _ in plan.skipped} == {"k1", "copy"}


def test_a_provisional_ancestor_swallows_only_server_filled_fields():
    state = SyncState("society")
    state.docs["d1"] = DocState.make(A, A, "v1", provisional=True)
    local = [LocalRef("k1", dict(A), "d1")]
    filled = {**A, "mendeley-client-data": '{"desktop_id":"x"}'}
    [action] = plan_pull(local, state, [RemoteDoc("d1", "v1", filled)])
    assert action.library == "" and not action.base.provisional  # not an edit, and now known
    edited = {**filled, "note": "Added by a colleague"}
    [action] = plan_pull(local, state, [RemoteDoc("d1", "v2", edited)])
    assert action.library == SET and action.snapshot["note"] == "Added by a colleague"
    assert "mendeley-client-data" not in action.snapshot
