"""remote add/list/remove, login, logout, groups."""

from __future__ import annotations

import json
import os
import webbrowser

import click

from ..remotes import auth
from ..remotes.base import RemoteError
from ..remotes.config import (
    REMOTE_TYPES,
    RemoteConfigError,
    add_remote,
    get_remote,
    load_remotes,
    remove_remote,
    update_remote,
)
from . import cli
from ._common import remote_name
from .completion import complete_remotes

NAME = click.argument("name", required=False, shell_complete=complete_remotes)

CLIENT_SECRET_ENV = "BALINTBIB_MENDELEY_CLIENT_SECRET"


@cli.group()
def remote() -> None:
    """Set up the shared group libraries balintbib syncs with."""


@remote.command("add")
@click.argument("name")
@click.argument("type", type=click.Choice(REMOTE_TYPES))
@click.option("--group", "group", required=True, help="The group id (see `balintbib groups NAME`).")
@click.option("--api-url", default=None, help="API base URL (default https://api.mendeley.com; https required).")
@click.option("--client-id", default=None, help="Your Mendeley app's client id (asked at login otherwise).")
def remote_add(name: str, type: str, group: str, api_url: str | None, client_id: str | None) -> None:
    """Add a remote NAME of TYPE for a group.

    Example: balintbib remote add society mendeley --group 164d48fb-2343-332d-b566-1a4884a992e4
    """
    try:
        cfg = add_remote(name, type, group, api_url, client_id)
    except RemoteConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added remote {cfg.name} ({cfg.type}, group {cfg.group}, {cfg.api_url}).")
    if os.environ.get(auth.ENV_TOKEN):
        click.echo(f"{auth.ENV_TOKEN} is set: it is used as the token. Next: balintbib pull {cfg.name}")
    else:
        click.echo(f"Next: balintbib login {cfg.name}")


@remote.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def remote_list(as_json: bool) -> None:
    """List the configured remotes."""
    try:
        remotes = load_remotes()
    except RemoteConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([remotes[n].to_dict() for n in sorted(remotes)], indent=2))
        return
    if not remotes:
        click.echo("No remotes yet. Add one with: balintbib remote add NAME mendeley --group GROUP_ID")
        return
    for name in sorted(remotes):
        r = remotes[name]
        click.echo(f"{name}\t{r.type}\t{r.group}\t{r.api_url}")


@remote.command("remove")
@click.argument("name", shell_complete=complete_remotes)
def remote_remove(name: str) -> None:
    """Remove remote NAME (and its stored login)."""
    try:
        remove_remote(name)
    except RemoteConfigError as exc:
        raise click.ClickException(str(exc)) from None
    auth.logout(name, _store())
    click.echo(f"Removed remote {name}.")


def _store() -> auth.TokenStore:
    return auth.TokenStore(warn=lambda msg: click.echo(f"Warning: {msg}", err=True))


def _remote(name: str):
    try:
        return get_remote(name)
    except RemoteConfigError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@NAME
@click.option("--no-browser", is_flag=True, help="Print the login URL instead of opening a browser.")
@click.option("--port", type=int, default=0,
              help="Fixed port for the http://127.0.0.1:PORT/callback redirect (default: any free port).")
@click.option("--client-id", default=None, help="Your Mendeley app's client id.")
@click.option("--timeout", type=float, default=300.0, help="Seconds to wait for the browser.")
def login(name: str | None, no_browser: bool, port: int, client_id: str | None, timeout: float) -> None:
    """Log in to remote NAME (OAuth in your browser); the token goes to the keyring.

    The client secret is read from BALINTBIB_MENDELEY_CLIENT_SECRET or asked for
    (hidden).  Register http://127.0.0.1:PORT/callback as your app's redirect URL.
    """
    name = remote_name(name)
    cfg = _remote(name)
    client_id = client_id or cfg.client_id or click.prompt("Mendeley app client id")
    secret = os.environ.get(CLIENT_SECRET_ENV) or click.prompt("Mendeley app client secret", hide_input=True)
    if cfg.client_id != client_id:
        cfg.client_id = client_id
        update_remote(cfg)

    def show(url: str) -> None:
        if no_browser or not webbrowser.open(url):
            click.echo("Open this URL in your browser to log in:", err=True)
            click.echo(url)
        else:
            click.echo("Opened your browser to log in; waiting for it to come back...", err=True)

    try:
        result = auth.login(name, cfg.api_url, client_id, secret, show, port=port, timeout=timeout,
                            store=_store())
    except RemoteError as exc:
        raise click.ClickException(str(exc)) from None
    where = "the system keyring" if result.backend == "keyring" else "a file readable only by you"
    click.echo(f"Logged in to {name}; the token is stored in {where}.")


@cli.command()
@NAME
def logout(name: str | None) -> None:
    """Forget the stored login of remote NAME (default: the only remote)."""
    name = remote_name(name)
    if auth.logout(name, _store()):
        click.echo(f"Logged out of {name}.")
    else:
        click.echo(f"No stored login for {name}.")


@cli.command()
@NAME
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def groups(name: str | None, as_json: bool) -> None:
    """List the Mendeley groups the account of remote NAME (default: the only
    remote) can see."""
    from ..remotes.mendeley import client_for

    cfg = _remote(remote_name(name))
    client = client_for(cfg)
    try:
        found = client.groups()
    except RemoteError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
    if as_json:
        keys = ("id", "name", "role", "access_level", "link")
        click.echo(json.dumps([{k: g.get(k) for k in keys if k in g} for g in found], indent=2))
        return
    if not found:
        click.echo("This account sees no groups.")
    for g in found:
        mark = " *" if g.get("id") == cfg.group else ""
        click.echo(f"{g.get('id')}\t{g.get('role', '?')}\t{g.get('name', '')}{mark}")
