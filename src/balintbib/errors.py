"""The root of every error a user can cause or meet (bad input, a dead server...).

The CLI turns a `BalintError` into one line on stderr and a non-zero exit; the
TUI shows it in a notification.  Anything else is a bug and keeps its traceback.
"""


class BalintError(Exception):
    """An error whose message is one clear line for the user."""
