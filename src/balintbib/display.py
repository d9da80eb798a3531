"""How a reference is named on one line: the same in `balintbib list` and the terminal UI's list."""

from __future__ import annotations

from .latex import latex_to_text
from .model import Reference


def short_name(person) -> str:
    """'Balint, M.' for a person, the whole name for an organisation."""
    if person.literal:
        return person.display()
    family = latex_to_text(" ".join(filter(None, (person.particle, person.family))))
    initials = "".join(w[0] + "." for w in latex_to_text(person.given).replace("-", " ").split() if w)
    return f"{family}, {initials}" if initials else family


def author_cell(ref: Reference) -> tuple[str, str]:
    """The author cell ('Balint, M. & Balint, E.', 'Salinsky, J. et al.') and its sort key."""
    people, suffix = ref.authors, ""
    if not people:
        people, suffix = ref.editors, " (ed.)"
    if not people:
        return "", "\uffff"
    named = [p for p in people if not p.is_others]
    if not named:
        return "et al.", "\uffff"
    cell = short_name(named[0])
    if len(people) == 2 and len(named) == 2:
        cell += " & " + short_name(named[1])
    elif len(people) > 1:
        cell += " et al."
    return cell + suffix, named[0].sort_name()
