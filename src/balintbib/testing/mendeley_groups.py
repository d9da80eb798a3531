"""Profiles, groups, group members and folders of the Mendeley test server (``/profiles/{id|me}``,
``/groups``, ``/groups/{id}``, ``/groups/{id}/members``, roles owner/admin/member/follower;
``/folders?group_id=``, read only: a test puts the folders in ``state.folders``).

Mixed into the request handler of `balintbib.testing.mendeley`.
"""

from __future__ import annotations

from .mendeley_state import MT_FOLDER, MT_GROUP, MT_MEMBERSHIP, MT_PROFILE, ApiError


class Groups:
    def _profiles(self, method, parts, profile):
        st = self.api.state
        if len(parts) != 2 or method != "GET":
            raise ApiError(404, "Not found")
        self._accept(MT_PROFILE)
        pid = profile if parts[1] == "me" else parts[1]
        if pid not in st.profiles:
            raise ApiError(404, "Profile not found", MT_PROFILE)
        return 200, st.profiles[pid], MT_PROFILE, {}

    def _groups(self, method, parts, query, profile):
        st = self.api.state
        q = dict(query)
        if method != "GET":
            raise ApiError(405, "Method not allowed", MT_GROUP)
        if len(parts) == 1:
            self._accept(MT_GROUP)
            limit = self._limit(q, MT_GROUP)
            mine = [g for gid, g in st.groups.items() if st.role(gid, profile)]
            return self._page("/groups", query, mine, lambda g: st.seq.get(g["id"], 0), limit,
                              "next", MT_GROUP,
                              lambda g: {**g, "role": st.role(g["id"], profile)})
        gid = parts[1]
        if len(parts) == 2:
            self._accept(MT_GROUP)
            if gid not in st.groups:
                raise ApiError(404, f"Group [{gid}] does not exist", MT_GROUP, plain=True)
            g = st.groups[gid]
            role = st.role(gid, profile)
            if role is None and g.get("access_level") != "public":
                raise ApiError(404, f"Group [{gid}] does not exist", MT_GROUP, plain=True)
            return 200, {**g, **({"role": role} if role else {})}, MT_GROUP, {}
        if len(parts) == 3 and parts[2] == "members":
            self._accept(MT_MEMBERSHIP)
            if gid not in st.groups:
                raise ApiError(404, f"Group [{gid}] does not exist", MT_MEMBERSHIP, plain=True)
            limit = self._limit(q, MT_MEMBERSHIP)
            members = st.members.get(gid, [])
            order = {m["profile_id"]: i for i, m in enumerate(members)}
            return self._page(f"/groups/{gid}/members", query, members,
                              lambda m: order.get(m["profile_id"], -1), limit, "next", MT_MEMBERSHIP,
                              lambda m: dict(m))
        raise ApiError(404, "Not found", MT_GROUP)

    def _folders(self, method, parts, query, profile):
        st = self.api.state
        q = dict(query)
        if method != "GET" or len(parts) != 1:
            raise ApiError(404, "Not found", MT_FOLDER)
        self._accept(MT_FOLDER)
        limit = self._limit(q, MT_FOLDER)
        gid = q.get("group_id")
        if gid and st.role(gid, profile) is None:
            raise ApiError(403, "You are not a member of this group", MT_FOLDER)
        order = {f["id"]: i for i, f in enumerate(st.folders)}
        folders = [f for f in st.folders if f.get("group_id") == gid] if gid else \
            [f for f in st.folders if not f.get("group_id")]
        return self._page("/folders", query, folders, lambda f: order[f["id"]], limit, "next", MT_FOLDER, dict)
