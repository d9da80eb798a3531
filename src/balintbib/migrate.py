"""Copy a Mendeley group into a Zotero group: every document, field, tag and note.

Plan first (`plan_migration`: reads Mendeley, decides every Zotero object, lists per
document what Zotero cannot hold as its own fields), then write (`run_migration`).

* Every Zotero key is chosen from the Mendeley id (`formats.zotero.new_key` with a
  seed), and every object is created with ``version: 0``; so a rerun, or a run
  resumed after a crash or a kill, creates only what is missing and never a second
  copy.  A document already in the group from an earlier import (relation
  ``mendeleyDB:remoteDocumentUUID``, which Zotero's own importer also sets) is
  left alone.
* Each item carries ``relations: {"mendeleyDB:remoteDocumentUUID": <id>}``, the
  Mendeley ``created`` / ``last_modified`` as ``dateAdded`` / ``dateModified``,
  ``tags`` as manual tags and ``keywords`` as automatic ones; what the item type
  cannot hold goes to the ``balintbib:`` line of ``extra`` (listed).
* Each annotation the account can read becomes a child note with
  ``mendeleyDB:annotationUUID``; the document's group note is the one sync reads
  as the library's ``annotation`` (key `annotation_key` of its parent, text only);
  every note's author, dates and privacy are kept as automatic tags
  (``Mendeley author: ...``, ``Mendeley privacy: ...``), and on the other notes
  also in a first line.  Zotero notes have no privacy: everything in a group is
  visible to its members.
* Writes go in batches of at most 50, each parent before its notes; each object's
  result is read on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from .formats import mendeley as mfmt
from .formats.zotero import AUTO_TAGS_FIELD, annotation_key, lost_fields, new_key, note_html, to_zotero
from .remotes.base import NotFound, RemoteRecord
from .remotes.mendeley import MT_PROFILE, group_notes

Progress = Callable[[str, int, int], None]
DOC_RELATION = "mendeleyDB:remoteDocumentUUID"
#: Mendeley's bookkeeping and each user's view (read, starred...): kept in Extra for every
#: document, listed once rather than per document.
MENDELEY_OWN = frozenset(list(mfmt.FLAG_FIELDS.values()) + ["mendeley-created", "mendeley-profile-id",
                                                            mfmt.CLIENT_DATA_FIELD])
NOTE_RELATION = "mendeleyDB:annotationUUID"
FOLDER_RELATION = "mendeleyDB:remoteFolderUUID"
MT_FOLDER = "application/vnd.mendeley-folder.1+json"


@dataclass
class DocPlan:
    mendeley_id: str
    title: str
    item: dict
    notes: list[dict] = field(default_factory=list)
    in_extra: list[str] = field(default_factory=list)  # fields kept only in extra's balintbib line
    not_copied: list[str] = field(default_factory=list)
    existing: str = ""  # the key of a copy already in the group (an earlier import)

    @property
    def key(self) -> str:
        return self.item["key"]

    def describe(self) -> str:
        parts = [f"{self.title[:60]!r} ({self.mendeley_id}) -> {self.item['itemType']} {self.key}",
                 f"{len(self.notes)} note(s)"]
        if self.existing:
            parts.append(f"already in the group as {self.existing}: skipped")
        if self.in_extra:
            parts.append("kept in Extra only: " + ", ".join(self.in_extra))
        if self.not_copied:
            parts.append("not copied: " + ", ".join(self.not_copied))
        return "; ".join(parts)


@dataclass
class MigrationPlan:
    docs: list[DocPlan]
    collections: list[dict] = field(default_factory=list)  # Mendeley folders, parents first
    own_fields: str = ("Mendeley's own fields (" + ", ".join(sorted(MENDELEY_OWN)) + ") are kept in each item's "
                       "Extra only (Zotero has no such fields)")
    notes_unreachable: str = ("other members' private notes cannot be read with your account; ask each member "
                              "who keeps private notes to share them or to run the migration")
    requests: int = 0

    def to_json(self) -> dict:
        return {"documents": len(self.docs), "notes": sum(len(d.notes) for d in self.docs),
                "collections": len(self.collections),
                "per_document": [d.describe() for d in self.docs if d.in_extra or d.not_copied or d.existing],
                "own_fields": self.own_fields, "unreachable": self.notes_unreachable}


@dataclass
class MigrationReport:
    created: int = 0
    already: int = 0  # objects found in the group (an earlier or interrupted run)
    skipped_documents: int = 0
    failed: list[str] = field(default_factory=list)
    requests: int = 0
    verified: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _iso(value) -> str:
    text = str(value or "")
    return text.replace(".000Z", "Z") if text else ""


def _names(src, annotations: list[RemoteRecord]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pid in sorted({str(a.data.get("profile_id") or "") for a in annotations} - {""}):
        try:
            p = src.request("GET", f"/profiles/{pid}", media_type=MT_PROFILE, what=f"get profile {pid}").json()
            out[pid] = p.get("display_name") or " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x)
        except Exception:  # a profile we cannot read still gets its id
            out[pid] = ""
        out[pid] = out[pid] or f"Mendeley user {pid}"
    return out


def _note_tags(author: str, privacy: str) -> list[dict]:
    return [{"tag": f"Mendeley author: {author}"[:255], "type": 1}, {"tag": f"Mendeley privacy: {privacy}", "type": 1}]


def _note(ann: RemoteRecord, parent: str, author: str, annotation: bool) -> dict:
    d = ann.data
    privacy = str(d.get("privacy_level") or "private")
    text = str(d.get("text") or "")
    kind = {"note": "note", "sticky_note": "sticky note", "highlight": "highlight"}.get(str(d.get("type")), "note")
    if annotation:
        html = note_html(text)
    else:
        pages = sorted({p.get("page") for p in d.get("positions") or [] if p.get("page")})
        head = f"Mendeley {kind} by {author}, {_iso(d.get('created') or d.get('last_modified'))[:10]} ({privacy})"
        if pages:
            head += ", page " + ", ".join(str(p) for p in pages)
        html = note_html(head) + (note_html(text) if text.strip() else note_html("(no text)"))
    out = {"key": annotation_key(parent) if annotation else new_key(seed=f"mendeley-annotation:{ann.id}"),
           "version": 0, "itemType": "note", "parentItem": parent, "note": html,
           "tags": _note_tags(author, privacy), "collections": [], "relations": {NOTE_RELATION: ann.id}}
    created, modified = _iso(d.get("created") or d.get("last_modified")), _iso(d.get("last_modified"))
    if created:
        out["dateAdded"] = created
    if modified:
        out["dateModified"] = modified
    return out


def folder_key(folder_id: str) -> str:
    return new_key(seed=f"mendeley-folder:{folder_id}")


def _folders(src) -> list[dict]:
    """The group's folders (``{id, name, parent_id?}``); none when the service has no folder API."""
    try:
        listing = src.listing("/folders", {"group_id": src.group_id, "limit": 500}, MT_FOLDER,
                              "list the group's folders")
    except NotFound:
        return []
    return [r.data for r in listing.records if isinstance(r.data, dict) and r.data.get("id")]


def plan_collections(folders: list[dict]) -> list[dict]:
    """Folders as Zotero collections, each parent before its children."""
    by_id = {str(f["id"]): f for f in folders}
    out, done = [], set()

    def add(f: dict, depth: int = 0) -> None:
        fid = str(f["id"])
        if fid in done or depth > 50:
            return
        parent = str(f.get("parent_id") or "")
        if parent in by_id:
            add(by_id[parent], depth + 1)
        done.add(fid)
        out.append({"key": folder_key(fid), "version": 0, "name": str(f.get("name") or "(no name)")[:255],
                    "parentCollection": folder_key(parent) if parent in by_id else False,
                    "relations": {FOLDER_RELATION: fid}})

    for f in sorted(folders, key=lambda f: str(f["id"])):
        add(f)
    return out


def plan_document(doc: dict, notes: list[RemoteRecord], group_note: RemoteRecord | None, names: dict[str, str],
                  src_name: str, dest_name: str, folders: frozenset = frozenset()) -> DocPlan:
    ref = mfmt.from_mendeley(doc, remote=src_name).reference
    keywords = [k.strip() for k in ref.text("mendeley-keywords").split(",") if k.strip()]
    if keywords:  # Mendeley keywords are Zotero's automatic tags
        ref.set("mendeley-keywords", None)
        ref.set(AUTO_TAGS_FIELD, json.dumps(keywords, ensure_ascii=False))
    data = to_zotero(ref, dest_name)
    key = new_key(seed=f"mendeley-document:{doc['id']}")
    data.update(key=key, version=0)
    if not doc.get("citation_key"):
        data["citationKey"] = ""  # not the key balintbib would make up
    data["relations"] = {**data.get("relations", {}), DOC_RELATION: str(doc["id"])}
    data["collections"] = [folder_key(f) for f in doc.get("folder_uuids") or [] if str(f) in folders]
    if doc.get("created"):
        data["dateAdded"] = _iso(doc["created"])
    if doc.get("last_modified"):
        data["dateModified"] = _iso(doc["last_modified"])
    plan = DocPlan(str(doc["id"]), str(doc.get("title") or ""), data)
    plan.in_extra = [f for f in lost_fields(ref, dest_name) if f not in (AUTO_TAGS_FIELD,) and f not in MENDELEY_OWN]
    if doc.get("file_attached"):
        plan.not_copied.append("the attached file (PDF): files are not migrated")
    ordered = sorted(notes, key=lambda a: (a is not group_note, str(a.data.get("created") or ""), a.id))
    for ann in ordered:
        author = names.get(str(ann.data.get("profile_id") or ""), "unknown")
        plan.notes.append(_note(ann, key, author, ann is group_note))
        if ann.data.get("type") in ("highlight", "sticky_note") and ann.data.get("color"):
            if "highlight colours" not in plan.not_copied:
                plan.not_copied.append("highlight colours and positions (the page is kept)")
    return plan


def plan_migration(src, dest_name: str, progress: Progress | None = None) -> MigrationPlan:
    """Read the Mendeley group `src` (a `MendeleyClient`) and plan every Zotero object."""
    progress = progress or (lambda *a: None)
    start = src.requests
    progress("reading Mendeley", 0, 0)
    docs = src.documents_since(None).records
    annotations = src.annotations_since(None).records
    names = _names(src, annotations)
    folders = _folders(src)
    folder_ids = frozenset(str(f["id"]) for f in folders)
    shared = group_notes(annotations)
    by_doc: dict[str, list[RemoteRecord]] = {}
    for a in annotations:
        if a.data.get("document_id"):
            by_doc.setdefault(str(a.data["document_id"]), []).append(a)
    plans = []
    for rec in sorted(docs, key=lambda r: r.id):
        plans.append(plan_document(rec.data, by_doc.get(rec.id, []), shared.get(rec.id), names, src.name, dest_name,
                                   folder_ids))
    return MigrationPlan(plans, plan_collections(folders), requests=src.requests - start)


def run_migration(plan: MigrationPlan, dest, progress: Progress | None = None) -> MigrationReport:
    """Write the plan into the Zotero group `dest` (a `ZoteroClient`): only what is not
    there yet, in batches of 50; then count both sides."""
    progress = progress or (lambda *a: None)
    report = MigrationReport()
    start = dest.requests
    if plan.collections:  # folders first: items refer to them
        have = dest.collection_versions()
        todo_cols = [c for c in plan.collections if c["key"] not in have]
        for obj, result in zip(todo_cols, dest.write(todo_cols, "migrate folders", kind="collections")
                               if todo_cols else []):
            if result.status == "successful":
                report.created += 1
            elif result.status == "unchanged" or result.code == 412:
                report.already += 1
            else:
                report.failed.append(f"folder {obj['name']!r}: {result.code} {result.message}")
        report.already += len(plan.collections) - len(todo_cols)
    present = dest.versions(None) or {}
    ours = {d.key for d in plan.docs} | {n["key"] for d in plan.docs for n in d.notes}
    foreign = sorted(set(present) - ours)
    imported: dict[str, str] = {}
    for env in dest.items(foreign) if foreign else []:
        rel = (env.get("data") or {}).get("relations") or {}
        if rel.get(DOC_RELATION) and not (env.get("data") or {}).get("deleted"):
            imported[str(rel[DOC_RELATION])] = env["data"]["key"]
    todo: list[dict] = []
    for d in plan.docs:
        if d.mendeley_id in imported and d.key not in present:
            d.existing = imported[d.mendeley_id]
            report.skipped_documents += 1
            continue
        for obj in [d.item, *d.notes]:
            if obj["key"] in present:
                report.already += 1
            else:
                todo.append(obj)
    done = 0
    for i in range(0, len(todo), 50):
        batch = todo[i:i + 50]
        for obj, result in zip(batch, dest.write(batch, "migrate")):
            if result.status == "successful":
                report.created += 1
            elif result.status == "unchanged" or result.code == 412:  # there already (a lost answer)
                report.already += 1
            else:
                report.failed.append(f"{obj['key']} ({obj.get('title') or obj.get('parentItem')}): "
                                     f"{result.code} {result.message}")
        done += len(batch)
        progress("writing", done, len(todo))
    report.verified = verify(plan, dest)
    report.requests = dest.requests - start
    return report


def verify(plan: MigrationPlan, dest) -> dict:
    """Counts on both sides, read back from the group: documents, notes, tags."""
    present = dest.versions(None) or {}
    wanted = [d for d in plan.docs if not d.existing]
    keys = [d.key for d in wanted if d.key in present] + [n["key"] for d in wanted for n in d.notes
                                                          if n["key"] in present]
    items = {e["data"]["key"]: e["data"] for e in dest.items(keys)} if keys else {}
    tags_planned = sum(len(d.item.get("tags", [])) for d in wanted)
    tags_found = sum(len(items[d.key].get("tags", [])) for d in wanted if d.key in items)
    collections = dest.collection_versions() if plan.collections else {}
    return {"collections": [len(plan.collections), sum(1 for c in plan.collections if c["key"] in collections)],
            "documents": [len(wanted), sum(1 for d in wanted if d.key in items)],
            "notes": [sum(len(d.notes) for d in wanted), sum(1 for d in wanted for n in d.notes if n["key"] in items)],
            "tags": [tags_planned, tags_found]}
