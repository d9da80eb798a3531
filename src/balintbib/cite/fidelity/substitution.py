"""Substitution (CSL 1.0.2 "Substitute", and the bibliography option
``subsequent-author-substitute`` of "Reference Grouping"): what prints in
place of missing names, and what an entry's names are compared by with the
previous entry's."""

from __future__ import annotations

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import MixedString, String

from .formatting import NS
from .state import RENDER_STATE, _attr


def names_data_key(data) -> str:
    """What ``subsequent-author-substitute`` compares: the data of the names
    an entry shows (after et-al), each name's parts run together, as
    citeproc-js keeps them, or the text of a variable printed in their place."""
    return ",".join(data) if data else ""


def record_substituted_text(item, variables) -> None:
    """A text variable that ``cs:substitute`` printed in place of the names
    ("Handbook of Hyperlipidaemia" for a work without author) is compared by
    ``subsequent-author-substitute`` as written (citeproc-js pushes the
    variable's value): a different title is never replaced by "———", an
    equal one is."""
    data = RENDER_STATE.get("names_data")
    if data is None:
        return
    for variable in sorted(variables):
        value = item.reference.get(variable.replace("-", "_"))
        if isinstance(value, (str, String, MixedString)):
            text = str(value)
            if text:
                data.append(text)


def stop_subsequent_author() -> None:
    """citeproc-js does not apply ``subsequent-author-substitute`` to what a
    ``cs:substitute`` prints after a ``cs:names`` child with its own
    ``cs:name`` that printed nothing (MLA's ``<names variable="guest"><name
    .../></names>``: two books by the same editor, or two works with the
    same title and no author, are both printed in full), and keeps the
    previous entry's names for the next comparison."""
    RENDER_STATE["names_data"] = None


def blank_names_end_substitution(child) -> bool:
    """A ``cs:names`` child of ``cs:substitute`` whose variable holds only
    empty names (``[{"family": ""}]``) prints nothing and ends the
    substitution, as in citeproc-js: a book with such an editor and no
    author starts with its date in APA ("(2009b). C."), not with its title."""
    return bool(RENDER_STATE.get("blank_names")) and isinstance(child, (m.Names, m.Choose))


class Substitute(m.Substitute):
    def render(self, item, context=None, names_parent=None, **kwargs):
        """CSL 1.0.2 "Substitute": the first child that renders replaces the
        names; a bare ``cs:names`` child inherits the parent's ``cs:name`` and
        ``cs:label``; every variable the substitute rendered is suppressed in
        the rest of the entry (fixtures ``substitute_*``; APA/Chicago edited
        books printing the editors twice)."""
        layout = None
        try:
            layout = (context if context is not None else self).get_layout()
        except (IndexError, AttributeError):
            pass
        for child in self.iterchildren():
            before = set(_attr(layout, "_rendered_vars", set())) if layout is not None else set()
            if layout is not None:
                layout._rendered_vars = set()
            RENDER_STATE["substituting"] = RENDER_STATE.get("substituting", 0) + 1
            RENDER_STATE["blank_names"] = False
            suppressed_before = RENDER_STATE.get("author_suppressed")
            try:
                if isinstance(child, m.Names):
                    text = child.render(item, context=context, names_parent=names_parent, **kwargs)
                elif isinstance(child, m.Choose):
                    text = child.render(item, context=context, names_parent=names_parent, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                text = None
            finally:
                RENDER_STATE["substituting"] -= 1
            rendered = set(_attr(layout, "_rendered_vars", set())) if layout is not None else set()
            if layout is not None:
                layout._rendered_vars = before | rendered
            # names a suppress-author cite leaves out still end the substitution
            # (MLA "(“Beta Groups”)": the title the style prints to disambiguate
            # is not used up as the author's substitute)
            if (text is not None and str(text) != "") or (
                    RENDER_STATE.get("author_suppressed") and not suppressed_before) or (
                    blank_names_end_substitution(child)):
                text = text if text is not None else String("")
                if layout is not None:
                    if isinstance(child, m.Names):
                        rendered |= set(child.get("variable", "").split())
                    layout.repressed.setdefault("__vars__", set()).update(rendered)
                if not isinstance(child, m.Names):
                    record_substituted_text(item, rendered)
                return text
            if isinstance(child, m.Names) and child.find("cs:name", NS) is not None:
                stop_subsequent_author()
        return None
