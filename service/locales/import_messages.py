"""Move keyed (Vietnamese, English) pairs from a Python dict into the gettext catalogues.

Strings used to live in ``MESSAGES = {"key": ("vi text", "en text"), ...}`` in
``service/pages/i18n.py``; a branch started before the catalogues may still add keys that
way. Run this on such a file and the pairs land in ``vi`` and ``en`` (a key already in a
catalogue is left alone unless ``--replace``; a different text is reported), then delete
the dict entries and call the keys through ``t("key")`` / ``_("key")`` as before:

    python service/locales/import_messages.py service/pages/i18n.py            # MESSAGES
    python service/locales/import_messages.py other.py --dict NAMES --prefix country.
    python service/locales/import_messages.py service/pages/i18n.py --check  # dry run
    python service/locales/import_messages.py jobs:service/pages/i18n.py      # a branch's file

At a merge where another branch added keys to ``MESSAGES`` in ``service/pages/i18n.py``:
run it on ``<branch>:service/pages/i18n.py`` (read with ``git show``), keep this side's
``i18n.py`` (the catalogue reader), then extract and test as the README says.

It reads the file's syntax tree (nothing is imported or run), finds the module-level
assignment to ``--dict`` whose value is a literal dict of 2-tuples, and writes the
``.po`` files in Babel's format. Afterwards run ``pybabel extract`` (README) to refresh
``messages.pot``; the catalogue test then checks that every key is used and translated.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALES_DIR = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")  # the pair's order


def read_source(source: str) -> str:
    """A file, or ``revision:path`` read from git (another branch's version of a file)."""
    if Path(source).exists() or ":" not in source:
        return Path(source).read_text(encoding="utf-8")
    shown = subprocess.run(["git", "show", source], capture_output=True, check=True)
    return shown.stdout.decode("utf-8")


def read_pairs(source: str, name: str) -> dict[str, tuple[str, str]]:
    tree = ast.parse(read_source(source), filename=source)
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            try:
                value = ast.literal_eval(node.value)  # type: ignore[arg-type]
            except ValueError:
                raise SystemExit(f"{name} in {source} is not a literal dict") from None
            pairs: dict[str, tuple[str, str]] = {}
            for key, pair in value.items():
                if not (isinstance(pair, tuple | list) and len(pair) == 2):
                    raise SystemExit(f"{name}[{key!r}] is not a (vi, en) pair")
                pairs[str(key)] = (str(pair[0]), str(pair[1]))
            return pairs
    raise SystemExit(f"no module-level {name} = {{...}} in {source}")


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=lang)
    return Catalog(locale=lang, project="MeetX", domain="messages", fuzzy=False)


def save(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


def merge(
    pairs: dict[str, tuple[str, str]], *, prefix: str, replace: bool, check: bool
) -> list[str]:
    """Adds the pairs to the catalogues; returns a line per addition or difference."""
    report: list[str] = []
    for index, lang in enumerate(LANGUAGES):
        catalog = load(lang)
        for key, pair in pairs.items():
            msgid, text = prefix + key, pair[index]
            existing = catalog.get(msgid)
            if existing is None or not existing.string:
                catalog.add(msgid, text)
                report.append(f"{lang}: added {msgid}")
            elif existing.string != text:
                if replace:
                    existing.string, existing.flags = text, set()
                    report.append(f"{lang}: replaced {msgid}")
                else:
                    report.append(f"{lang}: kept {msgid} ({existing.string!r} != {text!r})")
        if not check:
            save(lang, catalog)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the Python file holding the dict, or git's rev:path")
    parser.add_argument("--dict", default="MESSAGES", help="the dict's name (MESSAGES)")
    parser.add_argument("--prefix", default="", help="put before every key, e.g. country.")
    parser.add_argument("--replace", action="store_true", help="overwrite differing texts")
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    pairs = read_pairs(args.source, args.dict)
    report = merge(pairs, prefix=args.prefix, replace=args.replace, check=args.check)
    print("\n".join(report) or "nothing to do: every key is already in the catalogues")
    return 1 if args.check and any(" added " in line for line in report) else 0


if __name__ == "__main__":
    sys.exit(main())
