"""The remote adapter for a configured remote, by its type (the one place that
knows which services exist; the engine only speaks the adapter protocol)."""

from __future__ import annotations

from .codec import MendeleyCodec, OfflineRemote, RemoteAdapter


def adapter_for(cfg, offline: bool = False, **client_kwargs):
    """A `RemoteAdapter`-like object for remote config `cfg` (``offline``: no requests)."""
    if cfg.type == "zotero":
        from .zotero import ZoteroAdapter, ZoteroCodec

        if offline:
            return OfflineRemote(cfg.name, cfg.group, ZoteroCodec(cfg.name))
        from ..remotes.zotero import client_for

        return ZoteroAdapter(client_for(cfg, **client_kwargs))
    if offline:
        return OfflineRemote(cfg.name, cfg.group, MendeleyCodec(cfg.name))
    from ..remotes.mendeley import client_for

    return RemoteAdapter(client_for(cfg, **client_kwargs))


def service_label(cfg) -> str:
    """How a remote is named to a person: ``society (Zotero group 12345)``."""
    kind = {"zotero": "Zotero", "mendeley": "Mendeley"}.get(cfg.type, cfg.type)
    return f"{cfg.name} ({kind} group {cfg.group})"
