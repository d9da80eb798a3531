"""remote add/list/remove, login, logout, groups: the CLI over the local Mendeley server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import requests
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.remotes import auth
from balintbib.remotes.config import load_remotes, remotes_file

from mendeley_support import balintbib_home, server  # noqa: F401

SRC = Path(__file__).resolve().parents[1] / "src"


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def add_local(server, name="society"):
    result = run("remote", "add", name, "mendeley", "--group", server.info["group_id"],
                 "--api-url", server.url, "--client-id", server.info["client_id"])
    assert result.exit_code == 0, result.output


def test_remote_add_list_remove(balintbib_home):
    result = run("remote", "add", "society", "mendeley", "--group", "g-123")
    assert result.exit_code == 0 and "balintbib login society" in result.output
    text = remotes_file().read_text()
    assert '[remotes.society]' in text and 'api_url = "https://api.mendeley.com"' in text
    listed = json.loads(run("remote", "list", "--json").output)
    assert listed == [{"name": "society", "type": "mendeley", "group": "g-123",
                       "api_url": "https://api.mendeley.com"}]
    assert "society\tmendeley\tg-123" in run("remote", "list").output
    again = run("remote", "add", "society", "mendeley", "--group", "other")
    assert again.exit_code == 1 and "already exists" in again.output
    assert run("remote", "remove", "society").exit_code == 0
    assert load_remotes() == {}
    missing = run("remote", "remove", "society")
    assert missing.exit_code == 1 and "no remote named 'society'" in missing.output


def test_remote_add_requires_https_except_loopback():
    bad = run("remote", "add", "plain", "mendeley", "--group", "g", "--api-url", "http://mendeley.example.org")
    assert bad.exit_code == 1
    assert bad.output.count("\n") == 1 and "must use https" in bad.output
    assert "Traceback" not in bad.output and load_remotes() == {}
    ok = run("remote", "add", "local", "mendeley", "--group", "g", "--api-url", "http://127.0.0.1:8080/")
    assert ok.exit_code == 0 and load_remotes()["local"].api_url == "http://127.0.0.1:8080"


def browser_that_follows(monkeypatch, seen):
    def open_url(url):
        seen.append(url)
        threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()
        return True
    monkeypatch.setattr("webbrowser.open", open_url)


def test_login_with_browser_then_groups_then_logout(server, balintbib_home, monkeypatch):
    add_local(server)
    seen = []
    browser_that_follows(monkeypatch, seen)
    result = run("login", "society", env={"BALINTBIB_MENDELEY_CLIENT_SECRET": server.info["client_secret"]})
    assert result.exit_code == 0, result.output
    assert "Logged in to society" in result.output
    assert seen and "/oauth/authorize?" in seen[0] and "state=" in seen[0]
    # headless: no keyring, so an owner-only file, with a warning
    token_file = balintbib_home / "config" / "tokens" / "society.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "no usable system keyring" in result.stderr
    record = json.loads(token_file.read_text())
    assert record["access_token"] not in result.output
    assert record["refresh_token"] not in result.output
    assert server.info["client_secret"] not in result.output
    groups = run("groups", "society", "--json")
    assert groups.exit_code == 0
    assert [g["id"] for g in json.loads(groups.stdout)] == [server.info["group_id"]]
    assert f"{server.info['group_id']}\towner\tBalint reading list *" in run("groups", "society").output
    out = run("logout", "society")
    assert "Logged out of society" in out.output and not token_file.exists()
    after = run("groups", "society")
    assert after.exit_code == 1 and "balintbib login society" in after.output


def test_login_no_browser_end_to_end_in_a_real_process(server, balintbib_home):
    add_local(server)
    env = {**os.environ, "PYTHONPATH": str(SRC), "BALINTBIB_HOME": str(balintbib_home),
           "BALINTBIB_MENDELEY_CLIENT_SECRET": server.info["client_secret"],
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.Popen([sys.executable, "-m", "balintbib", "login", "society", "--no-browser",
                             "--timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    url = proc.stdout.readline().strip()
    assert url.startswith(server.url + "/oauth/authorize?")
    browser = requests.get(url, timeout=10)  # the "browser": follows the redirect to the callback
    assert browser.status_code == 200 and "Logged in" in browser.text
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Logged in to society" in out
    stored = auth.TokenStore(use_keyring=False).load("society")
    assert stored["access_token"] in server.state.access_tokens


def test_login_rejects_a_forged_callback(server, balintbib_home):
    def forge(url):
        port = url.split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")[1].split("%2F")[0]
        threading.Thread(target=requests.get, daemon=True, kwargs={"timeout": 10},
                         args=(f"http://127.0.0.1:{port}/callback?code=abc&state=forged",)).start()

    import pytest
    with pytest.raises(auth.AuthError) as err:
        auth.login("society", server.url, server.info["client_id"], server.info["client_secret"], forge,
                   timeout=10, store=auth.TokenStore(use_keyring=False, warn=lambda m: None))
    assert "state mismatch" in str(err.value)


def test_login_with_a_wrong_secret_is_one_clear_line(server, monkeypatch):
    add_local(server)
    browser_that_follows(monkeypatch, [])
    result = run("login", "society", env={"BALINTBIB_MENDELEY_CLIENT_SECRET": "wrong"})
    assert result.exit_code == 1
    assert "refused the client id/secret" in result.output and "wrong" not in result.output


def test_environment_token_overrides_the_stored_login(server, monkeypatch):
    add_local(server)
    monkeypatch.setenv("BALINTBIB_MENDELEY_TOKEN", server.info["token"]["access_token"])
    result = run("groups", "society", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["role"] == "owner"


def test_tokens_go_to_a_working_keyring_and_never_to_a_file(server, balintbib_home, monkeypatch):
    import keyring
    import keyring.backend
    import keyring.backends.fail

    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 1
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    try:
        add_local(server)
        browser_that_follows(monkeypatch, [])
        result = run("login", "society", env={"BALINTBIB_MENDELEY_CLIENT_SECRET": server.info["client_secret"]})
        assert result.exit_code == 0 and "system keyring" in result.output
        assert "no usable system keyring" not in result.stderr
        record = json.loads(MemoryKeyring.store[("balintbib", "society:token")])
        assert record["access_token"] in server.state.access_tokens
        assert not (balintbib_home / "config" / "tokens").exists()
        assert run("groups", "society").exit_code == 0
        run("logout", "society")
        assert ("balintbib", "society:token") not in MemoryKeyring.store
    finally:
        keyring.set_keyring(keyring.backends.fail.Keyring())
