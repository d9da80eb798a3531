"""OAuth 2 of the Mendeley test server: ``/oauth/authorize`` (auto-approves, redirects with
``code`` and ``state``), ``/oauth/token`` (authorization_code, refresh_token with rotation,
client_credentials) and the bearer token every other request carries.

Mixed into the request handler of `balintbib.testing.mendeley`.
"""

from __future__ import annotations

import base64
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from .mendeley_state import EXPIRED_TOKEN_BODY, ApiError


class OAuth:
    def _authorize(self, q: dict):
        st = self.api.state
        client = st.clients.get(q.get("client_id", ""))
        redirect = q.get("redirect_uri", "")
        if not client or q.get("response_type") != "code" or not redirect:
            raise ApiError(400, {"error": "invalid_request",
                                 "error_description": "Unknown client or bad request"})
        code = secrets.token_urlsafe(20)
        with st.lock:
            st.codes[code] = {"client_id": q["client_id"], "redirect_uri": redirect,
                              "profile_id": st.me}
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        return 302, None, None, {"Location": redirect + sep + urlencode(params)}

    def _client_credentials(self, form: dict) -> str | None:
        st = self.api.state
        auth = self.headers.get("Authorization", "")
        cid = secret = None
        if auth.lower().startswith("basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                cid = secret = None
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
        if cid and cid in st.clients and st.clients[cid]["secret"] == secret:
            return cid
        return None

    def _token(self, raw: bytes):
        st = self.api.state
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        cid = self._client_credentials(form)
        if cid is None:
            raise ApiError(401, "Credentials are required to access this resource.",
                           headers={"WWW-Authenticate": 'Basic realm="oauth"'})
        grant = form.get("grant_type")
        with st.lock:
            if grant == "authorization_code":
                entry = st.codes.pop(form.get("code", ""), None)
                if not entry or entry["client_id"] != cid or entry["redirect_uri"] != form.get("redirect_uri"):
                    raise ApiError(400, {"error": "invalid_grant", "error_description": "Invalid access code"})
                return 200, st.issue_token(cid, entry["profile_id"]), "application/json", {}
            if grant == "refresh_token":
                rt = form.get("refresh_token", "")
                entry = st.refresh_tokens.get(rt)
                if not entry or entry[0] != cid:
                    raise ApiError(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
                reply = st.issue_token(cid, entry[1], refresh=st.rotate_refresh_tokens)
                if st.rotate_refresh_tokens:
                    del st.refresh_tokens[rt]
                else:
                    reply["refresh_token"] = rt
                return 200, reply, "application/json", {}
            if grant == "client_credentials":
                return 200, st.issue_token(cid, None, refresh=False), "application/json", {}
        raise ApiError(400, {"error": "unsupported_grant_type",
                             "error_description": f"Unsupported grant type: {grant}"})

    def _authenticate(self) -> str:
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            raise ApiError(401, "Could not access resource because: Missing access token")
        tok = self.api.state.access_tokens.get(auth[7:].strip())
        if tok is None:
            raise ApiError(401, "Could not access resource because: Invalid access token")
        if tok.expires_at <= time.time():
            raise ApiError(401, dict(EXPIRED_TOKEN_BODY))
        if tok.profile_id is None:
            raise ApiError(403, "Client credentials grant only allows access to the catalog")
        return tok.profile_id
