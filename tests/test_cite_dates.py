"""Dates as citeproc-js 2.4.63 prints them (date ranges, seasons, literal and
uncertain dates; expected strings are citeproc-js's output for the same
CSL-JSON), and the guarantee that one item the engine cannot render never
takes the whole bibliography down."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from balintbib.cite import render_bibliography
from balintbib.cite.engine import RenderFailure
from balintbib.cli import cli

DATES_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="en-US">
  <info><title>dates</title><id>dates</id><updated>2020-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography><layout>
    <group delimiter=" | ">
      <text variable="title"/>
      <date variable="issued" form="text"/>
      <date variable="issued" form="numeric"/>
      <date variable="issued" prefix="(" suffix=")">
        <date-part name="month" form="short" suffix=" "/>
        <date-part name="day" suffix=", "/>
        <date-part name="year"/>
      </date>
      <date variable="issued" form="text" date-parts="year-month"/>
      <choose><if is-uncertain-date="issued"><text value="uncertain"/></if></choose>
    </group>
  </layout></bibliography>
</style>
"""


def _render(tmp_path, issued: dict) -> str:
    style = tmp_path / "dates.csl"
    style.write_text(DATES_STYLE, encoding="utf-8")
    item = {"id": "x", "type": "book", "title": "T", "issued": issued}
    return render_bibliography([item], str(style))[0].text


def _articles(*issued):
    return [{"id": f"a{n}", "type": "article-journal", "title": f"Title {n}", "container-title": "Journal",
             "author": [{"family": f"Smith{n}", "given": "John"}], "issued": {"date-parts": parts}}
            for n, parts in enumerate(issued)]


def test_a_month_range_no_longer_empties_the_ieee_bibliography():
    # held-out corpus data: citeproc-py raised TypeError in render_date_range
    # for the first month range, and IEEE printed nothing at all
    items = _articles([[1996, 9], [1996, 10]], [[1997, 3, 2], [1997, 3, 9]], [[1997, 21]])
    texts = [e.text for e in render_bibliography(items, "ieee")]
    assert texts == ["[1] J. Smith0, “Title 0,” Journal, Sep.–Oct. 1996.",
                     "[2] J. Smith1, “Title 1,” Journal, Mar. 1997.",
                     "[3] J. Smith2, “Title 2,” Journal, Spring 1997."]
    chicago = [e.text for e in render_bibliography(items, "chicago-author-date")]
    assert chicago[0] == "Smith0, John. 1996. “Title 0.” Journal, September–October."
    assert chicago[1] == "Smith1, John. 1997. “Title 1.” Journal, March 2–9."
    ama = [e.text for e in render_bibliography(items, "american-medical-association")]
    assert ama[1] == "2. Smith1 J. Title 1. Journal. Published online March 2–9, 1997."


@pytest.mark.parametrize("issued, expected", [
    # the parts both dates share print once, the differing ones twice
    ({"date-parts": [[1999, 1, 2], [1999, 1, 4]]},
     "T | January 2–4, 1999 | 01/02–04/1999 | (Jan. 2–4, 1999) | January 1999"),
    ({"date-parts": [[1999, 1, 2], [1999, 3, 4]]},
     "T | January 2–March 4, 1999 | 01/02–03/04/1999 | (Jan. 2–Mar. 4, 1999) | January–March 1999"),
    ({"date-parts": [[1999, 1, 2], [2000, 3, 4]]},
     "T | January 2, 1999–March 4, 2000 | 01/02/1999–03/04/2000 | (Jan. 2, 1999–Mar. 4, 2000) "
     "| January 1999–March 2000"),
    ({"date-parts": [[1996, 9], [1996, 10]]},
     "T | September–October 1996 | 09–10/1996 | (Sept.–Oct. 1996) | September–October 1996"),
    ({"date-parts": [[1996], [1998]]}, "T | 1996–1998 | 1996–1998 | (1996–1998) | 1996–1998"),
    # seasons: months 13-16 (21-24), or the "season" field
    ({"date-parts": [[1996, 13]]}, "T | Spring 1996 | 1996 | (Spring 1996) | Spring 1996"),
    ({"date-parts": [[1996, 21], [1997, 22]]},
     "T | Spring 1996–Summer 1997 | 1996–1997 | (Spring 1996–Summer 1997) | Spring 1996–Summer 1997"),
    ({"date-parts": [[1996]], "season": "Spring"},
     "T | Spring 1996 | Spring/1996 | (Spring 1996) | Spring 1996"),
    ({"date-parts": [[1996]], "season": 3}, "T | Autumn 1996 | Autumn/1996 | (Autumn 1996) | Autumn 1996"),
    # literal dates print as written, uncertain dates only answer the condition
    ({"literal": "Summer 2001"}, "T | Summer 2001 | Summer 2001 | (Summer 2001) | Summer 2001"),
    ({"date-parts": [[1996]], "circa": True}, "T | 1996 | 1996 | (1996) | 1996 | uncertain"),
])
def test_date_ranges_seasons_and_literal_dates_print_as_citeproc_js_prints_them(tmp_path, issued, expected):
    assert _render(tmp_path, issued) == expected


def test_a_range_with_equal_dates_prints_once_and_a_zero_part_is_not_printed(tmp_path):
    # citeproc-js prints "September 1–1, 1996" and "May 0, 1996" (see docs/cite.md)
    assert _render(tmp_path, {"date-parts": [[1996, 9, 1], [1996, 9, 1]]}) == \
        "T | September 1, 1996 | 09/01/1996 | (Sept. 1, 1996) | September 1996"
    assert _render(tmp_path, {"date-parts": [[1996, 5, 0]]}) == \
        "T | May 1996 | 05/1996 | (May 1996) | May 1996"


def test_the_range_delimiter_is_the_one_of_the_largest_differing_part(tmp_path):
    style = tmp_path / "slash.csl"
    style.write_text(DATES_STYLE.replace(
        '<date-part name="year"/>', '<date-part name="year" range-delimiter="/"/>'), encoding="utf-8")
    item = {"id": "x", "type": "book", "title": "T", "issued": {"date-parts": [[1999, 5], [2000, 6]]}}
    text = render_bibliography([item], str(style))[0].text
    assert "(May 1999/June 2000)" in text
    item["issued"] = {"date-parts": [[1999, 5], [1999, 6]]}
    assert "(May–June 1999)" in render_bibliography([item], str(style))[0].text


@pytest.fixture
def july_breaks_the_engine(monkeypatch):
    """A data case the engine cannot render: any date in July raises."""
    from balintbib.cite.fidelity import dates

    original = dates.Date_Part.month_or_season

    def broken(self, date, context=None):
        if date.get("month") == 7:
            raise ValueError("no July\nsecond line")
        return original(self, date, context)

    monkeypatch.setattr(dates.Date_Part, "month_or_season", broken)


def test_an_item_that_cannot_be_rendered_is_reported_and_the_others_are_rendered(july_breaks_the_engine):
    items = _articles([[2001, 6, 1]], [[2001, 7, 1]], [[2001, 8, 1]])
    failures: list = []
    entries = render_bibliography(items, "chicago-author-date", failures=failures)
    assert [e.id for e in entries] == ["a0", "a2"]
    assert failures == [RenderFailure("a1", "could not be formatted (ValueError: no July second line)")]
    assert str(failures[0]) == "a1: could not be formatted (ValueError: no July second line)"


def test_format_prints_the_other_references_and_one_line_for_the_broken_one(tmp_path, july_breaks_the_engine):
    data = tmp_path / "refs.json"
    data.write_text(json.dumps(_articles([[2001, 6, 1]], [[2001, 7, 1]], [[2001, 8, 1]])), encoding="utf-8")
    result = CliRunner().invoke(cli, ["format", str(data), "--style", "chicago-author-date"])
    assert result.exit_code == 1
    assert "Smith0, John. 2001." in result.stdout and "Smith2, John. 2001." in result.stdout
    assert "Smith1" not in result.stdout
    assert "error: a1: could not be formatted (ValueError: no July second line)" in result.stderr
    assert "1 reference(s) could not be formatted" in result.stderr
    assert "Traceback" not in result.output
