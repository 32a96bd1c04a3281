"""Every role's pages in Chinese hold no raw code and no English word.

The demo zone is loaded; each demo account walks its pages (home, menu, one page of each kind
linked from those) in the default language, and every word in Latin letters in the visible
text, placeholders, titles and alt texts is checked:
- a code the app stores (any key of a label table in inspect_app/labels.py) means a label
  table was bypassed;
- a word of the English UI (any word of a msgid in the catalog) means a string missed
  translation.
What may stay: data people typed or the law names (marked translate="no" in the markup, e.g.
login names, credit codes), checklist item codes such as GMS-01, standard numbers (GB, AQ),
file formats, and the language switch's own "English". The import pages explain their
spreadsheet's codes on purpose.
"""

import html
import re

from babel.messages.pofile import read_po

from inspect_app import labels
from inspect_app.demo import DEMO_PASSWORD, load
from tests.crawl import crawl
from tests.unit.test_catalogs import CATALOGS

ROLES = ["inspector1", "supervisor", "boss", "safety", "worker", "admin"]
ALLOWED = {"English", "xlsx", "CSV", "Excel", "PIN", "QR", "GB", "AQ", "JGJ", "KTV", "PDF", "SMS",
           "WeChat", "ID", "OK", "MB"}
IMPORT_PAGES = re.compile(r"/import")
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>|<!--.*?-->"
                    r"|<(\w+)\b[^>]*\btranslate=\"no\"[^>]*>.*?</\2>", re.S)
SEEN_ATTRS = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"')
LATIN = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z_]*(?:-\d+)?")
ITEM_CODE = re.compile(r"^[A-Z]{2,}-\d+$")


def _codes() -> set[str]:
    return {code for table in labels.FAMILIES.values() for code in table
            if isinstance(code, str) and not code.isdigit()}


def _english_words() -> set[str]:
    with open(CATALOGS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale="en")
    words = set()
    for message in catalog:
        for msgid in (message.id if isinstance(message.id, tuple) else (message.id,)):
            text = re.sub(r"%\(\w+\)s", " ", msgid or "")
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    return words


def visible_text(page: str) -> str:
    page = HIDDEN.sub(" ", page)
    return html.unescape(" ".join(SEEN_ATTRS.findall(page)) + " " + re.sub(r"<[^>]+>", " ", page))


def leaks(text: str, codes: set[str], english: set[str]) -> set[str]:
    found = set()
    for word in LATIN.findall(text):
        if word in ALLOWED or ITEM_CODE.match(word):
            continue
        if word in codes or word.lower() in english:
            found.add(word)
    return found


def test_every_roles_pages_in_chinese_show_no_code_and_no_english(app, client, ctx):
    load()
    codes, english = _codes(), _english_words()
    found: dict[str, set[str]] = {}
    walked = 0
    for username in ROLES:
        client = app.test_client()  # the suite's Client: a fresh session per account
        assert client.post("/auth/login", data={"login": username, "password": DEMO_PASSWORD}
                           ).status_code == 302
        for pages in crawl(app, client.get, pages_only=True, limit=120).values():
            for url, resp in pages:
                if resp.mimetype != "text/html" or resp.status_code != 200:
                    continue
                walked += 1
                bad = leaks(visible_text(resp.get_data(as_text=True)), codes, english)
                if IMPORT_PAGES.search(url):
                    bad -= codes
                if bad:
                    found[f"{username} {url}"] = bad
    assert walked > 100  # the walk reached every role's pages, not just the login form
    assert found == {}


def test_the_check_sees_a_raw_code_and_an_untranslated_word():
    codes, english = _codes(), _english_words()
    page = ('<p>来源：worker</p><button title="Send back">退回</button>'
            '<td translate="no">supervisor</td><p>GMS-01 GB 2894</p><script>var x = "fine";</script>')
    assert leaks(visible_text(page), codes, english) == {"worker", "Send", "back"}

