#!/usr/bin/env python3
"""Fail when a translation catalog has untranslated or fuzzy entries (CI, STYLE.md).

Reads locale/id/LC_MESSAGES/django.po (required), locale/en/LC_MESSAGES/django.po
(if present) and the catalogs of apps that keep their own (bujian/<app>/locale/...).
Obsolete entries (``#~``) are ignored: ``makemessages --no-obsolete``
drops them, and gettext never uses them. Exit status 0 when every catalog is complete,
1 otherwise, listing each msgid to fix.

Usage: python scripts/check_translations.py [ROOT]
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]  # polib ships no type hints

REQUIRED = [Path("locale/id/LC_MESSAGES/django.po")]
OPTIONAL = [Path("locale/en/LC_MESSAGES/django.po")]


def _is_untranslated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or any(not text for text in entry.msgstr_plural.values())
    return not entry.msgstr


def _describe(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}"


def problems_in(path: Path) -> list[str]:
    """One line per entry of ``path`` that would show English (or nothing) to a user."""
    catalog = polib.pofile(str(path))
    problems = []
    if catalog.metadata_is_fuzzy:
        # msgfmt skips a fuzzy header, and with it the charset and plural rule.
        problems.append("header is marked fuzzy: remove '#, fuzzy' above msgid \"\"")
    for entry in catalog:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {_describe(entry)}")
        elif _is_untranslated(entry):
            problems.append(f"untranslated: {_describe(entry)}")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    failed = False
    app_catalogs = sorted(
        path.relative_to(root)
        for path in (root / "bujian").glob("*/locale/*/LC_MESSAGES/django.po")
    )
    for relative in REQUIRED + OPTIONAL + app_catalogs:
        path = root / relative
        if not path.exists():
            if relative in REQUIRED:
                print(f"{relative}: missing (run `make messages`)")
                failed = True
            continue
        problems = problems_in(path)
        for problem in problems:
            print(f"{relative}: {problem}")
        if problems:
            failed = True
        else:
            print(f"{relative}: complete")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
