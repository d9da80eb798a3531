"""The handout's own words (headings, summary, footer) in the handout's language.

The references and the style's terms follow the CSL locale; these are the few
words balintbib itself writes around them.  One table per language, English
the fallback for a language (or a word) not listed.  Type headings are keyed
by their English name (`handout.TYPE_GROUPS`).
"""

from __future__ import annotations

import datetime as _dt

WORDS: dict[str, dict] = {
    "en": {
        "provenance": "Provenance:",
        "contents": "Contents", "other": "Other", "no-date": "No date",
        "title-annotated": "Annotated reading list", "title": "Reading list",
        "count": ("{n} reference", "{n} references"),
        "grouped": {"tag": "grouped by theme", "year": "grouped by year", "type": "grouped by type of work"},
        "repeated": "A reference with several themes is listed under each of them.",
        "footer": "Formatted in the style \u201c{style}\u201d by balintbib on {date}.",
        "date": "{d} {month} {y}",
        "months": ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"),
        "types": {},
    },
    "de": {
        "provenance": "Herkunft:",
        "contents": "Inhalt", "other": "Sonstiges", "no-date": "Ohne Jahr",
        "title-annotated": "Kommentierte Literaturliste", "title": "Literaturliste",
        "count": ("{n} Titel", "{n} Titel"),
        "grouped": {"tag": "nach Themen geordnet", "year": "nach Jahren geordnet",
                    "type": "nach Publikationsart geordnet"},
        "repeated": "Ein Titel mit mehreren Themen erscheint unter jedem davon.",
        "footer": "Formatiert im Zitierstil \u201e{style}\u201c mit balintbib am {date}.",
        "date": "{d}. {month} {y}",
        "months": ("Januar", "Februar", "M\u00e4rz", "April", "Mai", "Juni", "Juli", "August",
                   "September", "Oktober", "November", "Dezember"),
        "types": {"Journal articles": "Zeitschriftenartikel", "Books": "B\u00fccher",
                  "Book chapters": "Buchkapitel", "Conference papers": "Konferenzbeitr\u00e4ge",
                  "Theses": "Hochschulschriften", "Reports": "Berichte", "Web pages": "Webseiten",
                  "Audio and video": "Audio und Video"},
    },
    "fr": {
        "provenance": "Provenance :",
        "contents": "Sommaire", "other": "Autres", "no-date": "Sans date",
        "title-annotated": "Bibliographie comment\u00e9e", "title": "Bibliographie",
        "count": ("{n} r\u00e9f\u00e9rence", "{n} r\u00e9f\u00e9rences"),
        "grouped": {"tag": "class\u00e9es par th\u00e8me", "year": "class\u00e9es par ann\u00e9e",
                    "type": "class\u00e9es par type de document"},
        "repeated": "Une r\u00e9f\u00e9rence relevant de plusieurs th\u00e8mes figure sous chacun d\u2019eux.",
        "footer": "Mise en forme selon le style \u00ab\u00a0{style}\u00a0\u00bb par balintbib le {date}.",
        "date": "{d} {month} {y}",
        "months": ("janvier", "f\u00e9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\u00fbt",
                   "septembre", "octobre", "novembre", "d\u00e9cembre"),
        "types": {"Journal articles": "Articles de revues", "Books": "Livres",
                  "Book chapters": "Chapitres d\u2019ouvrages", "Conference papers": "Communications",
                  "Theses": "Th\u00e8ses", "Reports": "Rapports", "Web pages": "Pages web",
                  "Audio and video": "Audio et vid\u00e9o"},
    },
    "es": {
        "provenance": "Procedencia:",
        "contents": "\u00cdndice", "other": "Otros", "no-date": "Sin fecha",
        "title-annotated": "Bibliograf\u00eda comentada", "title": "Bibliograf\u00eda",
        "count": ("{n} referencia", "{n} referencias"),
        "grouped": {"tag": "agrupadas por tema", "year": "agrupadas por a\u00f1o",
                    "type": "agrupadas por tipo de documento"},
        "repeated": "Una referencia con varios temas aparece bajo cada uno de ellos.",
        "footer": "Formateado con el estilo \u00ab{style}\u00bb por balintbib el {date}.",
        "date": "{d} de {month} de {y}",
        "months": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                   "septiembre", "octubre", "noviembre", "diciembre"),
        "types": {"Journal articles": "Art\u00edculos de revista", "Books": "Libros",
                  "Book chapters": "Cap\u00edtulos de libro", "Conference papers": "Comunicaciones a congresos",
                  "Theses": "Tesis", "Reports": "Informes", "Web pages": "P\u00e1ginas web",
                  "Audio and video": "Audio y v\u00eddeo"},
    },
    "it": {
        "provenance": "Provenienza:",
        "contents": "Indice", "other": "Altro", "no-date": "Senza data",
        "title-annotated": "Bibliografia commentata", "title": "Bibliografia",
        "count": ("{n} riferimento", "{n} riferimenti"),
        "grouped": {"tag": "raggruppati per tema", "year": "raggruppati per anno",
                    "type": "raggruppati per tipo di pubblicazione"},
        "repeated": "Un riferimento con pi\u00f9 temi compare sotto ciascuno di essi.",
        "footer": "Formattato nello stile \u00ab{style}\u00bb da balintbib il {date}.",
        "date": "{d} {month} {y}",
        "months": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
                   "settembre", "ottobre", "novembre", "dicembre"),
        "types": {"Journal articles": "Articoli di rivista", "Books": "Libri",
                  "Book chapters": "Capitoli di libro", "Conference papers": "Atti di convegno",
                  "Theses": "Tesi", "Reports": "Rapporti", "Web pages": "Pagine web",
                  "Audio and video": "Audio e video"},
    },
    "nl": {
        "provenance": "Herkomst:",
        "contents": "Inhoud", "other": "Overig", "no-date": "Zonder datum",
        "title-annotated": "Geannoteerde literatuurlijst", "title": "Literatuurlijst",
        "count": ("{n} titel", "{n} titels"),
        "grouped": {"tag": "geordend per thema", "year": "geordend per jaar",
                    "type": "geordend per publicatietype"},
        "repeated": "Een titel met meerdere thema\u2019s staat onder elk daarvan.",
        "footer": "Opgemaakt in de stijl \u2018{style}\u2019 door balintbib op {date}.",
        "date": "{d} {month} {y}",
        "months": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                   "september", "oktober", "november", "december"),
        "types": {"Journal articles": "Tijdschriftartikelen", "Books": "Boeken",
                  "Book chapters": "Hoofdstukken in boeken", "Conference papers": "Congresbijdragen",
                  "Theses": "Proefschriften", "Reports": "Rapporten", "Web pages": "Webpagina\u2019s",
                  "Audio and video": "Audio en video"},
    },
    "sv": {
        "provenance": "Proveniens:",
        "contents": "Inneh\u00e5ll", "other": "\u00d6vrigt", "no-date": "Utan datum",
        "title-annotated": "Kommenterad litteraturlista", "title": "Litteraturlista",
        "count": ("{n} referens", "{n} referenser"),
        "grouped": {"tag": "ordnade efter tema", "year": "ordnade efter \u00e5r",
                    "type": "ordnade efter publikationstyp"},
        "repeated": "En referens med flera teman st\u00e5r under vart och ett av dem.",
        "footer": "Formaterad i stilen \u201d{style}\u201d av balintbib den {date}.",
        "date": "{d} {month} {y}",
        "months": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                   "september", "oktober", "november", "december"),
        "types": {"Journal articles": "Tidskriftsartiklar", "Books": "B\u00f6cker",
                  "Book chapters": "Bokkapitel", "Conference papers": "Konferensbidrag",
                  "Theses": "Avhandlingar", "Reports": "Rapporter", "Web pages": "Webbsidor",
                  "Audio and video": "Ljud och video"},
    },
}


class Words:
    """The words for one language (BCP 47 tag; its primary subtag picks the table)."""

    def __init__(self, lang: str = "en"):
        primary = (lang or "en").replace("_", "-").split("-")[0].lower()
        self.lang = primary if primary in WORDS else "en"
        self._table = {**WORDS["en"], **WORDS[self.lang]}

    def __getitem__(self, key: str):
        return self._table[key]

    def type_heading(self, english: str) -> str:
        return self._table["types"].get(english, english)

    def count(self, n: int) -> str:
        one, many = self._table["count"]
        return (one if n == 1 else many).format(n=n)

    def date(self, day: _dt.date) -> str:
        d = "1er" if self.lang == "fr" and day.day == 1 else str(day.day)
        return self._table["date"].format(d=d, month=self._table["months"][day.month - 1], y=day.year)
