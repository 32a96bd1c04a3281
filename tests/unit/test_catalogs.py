"""Every UI string is in both catalogs, and the Chinese one (the default UI) is complete."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "inspect_app" / "translations"
METHODS = [("inspect_app/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _used_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(lang: str):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_has_every_string_the_code_uses(lang):
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
    missing = sorted(_used_msgids() - catalog_ids)
    assert missing == [], f"run scripts/i18n.sh and translate: {missing[:20]}"


def test_chinese_catalog_is_complete_and_keeps_placeholders():
    untranslated, broken = [], []
    for message in _catalog("zh"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(ids[0])
            continue
        for source, target in zip(ids, strings, strict=False):
            for placeholder in re.findall(r"%\(\w+\)s", source):
                if placeholder not in target:
                    broken.append((source, target))
    assert untranslated == [], untranslated[:20]
    assert broken == []
