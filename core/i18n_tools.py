"""Catalogue maintenance: extract, update, compile and check the five catalogues.

``check()`` is what CI runs (through the test suite): it fails when ``messages.pot`` is stale
(the source has msgids the template lacks, or the other way round), when any catalogue has an
untranslated, fuzzy or missing entry, or when a translation's ``%(name)s`` placeholders or HTML
tags differ from the source.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from core.config import LANGUAGES, ROOT

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
SOURCE_DIRS = ("core", "portal", "contact_center", "templates")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.do", "trimmed": "true"},
           "**.txt": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")


def extract() -> Catalog:
    """Extract every translatable string of the project into a fresh catalogue."""
    catalog = Catalog(project="multe", charset="utf-8")
    for directory in SOURCE_DIRS:
        base = ROOT / directory
        for filename, lineno, message, comments, context in extract_from_dir(
            base, METHOD_MAP, OPTIONS, KEYWORDS, comment_tags=("Translators:",)
        ):
            catalog.add(message, None, [(f"{directory}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def write_pot(catalog: Catalog | None = None) -> None:
    catalog = catalog or extract()
    with POT.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_by_file=True, omit_header=False, no_location=False)


def update() -> None:
    """Merge the template into every catalogue, never producing fuzzy guesses."""
    template = _read(POT)
    for lang in LANGUAGES:
        po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            catalog = _read(po_path, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="multe", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_by_file=True, ignore_obsolete=True)


def compile_all() -> None:
    for lang in LANGUAGES:
        po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            continue
        catalog = _read(po_path, locale=lang)
        with po_path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def _ids(catalog: Catalog) -> set[tuple]:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def check() -> list[str]:
    """Every problem with the catalogues, one line each; an empty list means all is well."""
    problems: list[str] = []
    if not POT.exists():
        return ["translations/messages.pot is missing: run `make extract`"]
    fresh, committed = _ids(extract()), _ids(_read(POT))
    for _ctx, msgid in sorted(fresh - committed, key=str)[:20]:
        problems.append(f"messages.pot is stale: missing {msgid!r} (run `make extract update`)")
    for _ctx, msgid in sorted(committed - fresh, key=str)[:20]:
        problems.append(f"messages.pot is stale: obsolete {msgid!r} (run `make extract update`)")
    for lang in LANGUAGES:
        po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            problems.append(f"{lang}: catalogue missing")
            continue
        catalog = _read(po_path, locale=lang)
        present = _ids(catalog)
        for _ctx, msgid in sorted(committed - present, key=str)[:20]:
            problems.append(f"{lang}: no entry for {msgid!r} (run `make update`)")
        for message in catalog:
            if not message.id:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            label = ids[0][:60]
            if message.fuzzy:
                problems.append(f"{lang}: fuzzy entry {label!r}")
            if not all(strings):
                problems.append(f"{lang}: untranslated {label!r}")
                continue
            source_names = set().union(*(PLACEHOLDER.findall(i) for i in ids))
            source_tags = sorted(TAG.findall(ids[0]))
            for translated in strings:
                names = set(PLACEHOLDER.findall(translated))
                # a plural form may leave out the count ("one file"), never add or rename one
                if (names != source_names) if len(ids) == 1 else not names <= source_names:
                    problems.append(f"{lang}: placeholders differ in {label!r}: "
                                    f"{sorted(names)} vs {sorted(source_names)}")
                if sorted(TAG.findall(translated)) != source_tags:
                    problems.append(f"{lang}: HTML tags differ in {label!r}")
    return problems


def main(argv: list[str]) -> int:
    actions = argv[1:] or ["check"]
    for action in actions:
        if action == "extract":
            write_pot()
        elif action == "update":
            update()
        elif action == "compile":
            compile_all()
        elif action == "check":
            problems = check()
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                print(f"{len(problems)} catalogue problem(s)", file=sys.stderr)
                return 1
            print("catalogues complete: it, en, fr, de, es")
        else:
            print(f"unknown action {action!r}: use extract, update, compile or check", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
