"""A checklist item's card (templates/inspections/run.html's `item` block), written in Python.

A checklist page writes ~20-40 cards and a tick one; as Jinja, each card's ~40 expressions
were escaped and joined one by one (half of the checklist page's CPU). Here the words, the
addresses and the CSRF token come escaped once a page (`Card`), and each card escapes only
what a user wrote (the note); the HTML is the template's, byte for byte. The item's fixed
part (code, requirement, basis) is static_part.item_static's, kept per language. The page's
sections and cards are written in one call (Card.sections), the language looked up once.
"""

import uuid
from dataclasses import dataclass

from flask_babel import get_locale
from markupsafe import Markup, escape

from ..icons import CAMERA
from ..labels import label
from .static_part import item_static


@dataclass(frozen=True)
class Card:
    """What every card of one page shares: escaped once, not once per card."""

    editable: bool
    urls: dict  # views._item_urls: format strings with "{}" for the id
    words: dict  # static_part.item_words (escaped)
    token: str

    def __post_init__(self):
        object.__setattr__(self, "urls", {k: str(escape(v)) for k, v in self.urls.items()})
        object.__setattr__(self, "token", str(escape(self.token)))
        object.__setattr__(self, "locale", str(get_locale()))

    def sections(self, sections, answers: dict) -> Markup:
        """Each section's heading and its items' cards, as the page's loop wrote them (one
        call a page: through Jinja, each card was a block call, with its own context)."""
        out = []
        for section, items in sections:
            out.append(f'\n<h2 class="section">{escape(section)}</h2>\n')
            for item in items:
                out += ("\n", self._card(item, answers.get(item.id)), "\n")
            out.append("\n")
        return Markup("".join(out))  # noqa: S704 - every piece is escaped or ours

    def __call__(self, item, a) -> Markup:
        return Markup(self._card(item, a))  # noqa: S704 - see _card

    def _card(self, item, a) -> str:
        iid = item.id
        result = a.result if a else ""
        w, urls = self.words, self.urls
        major = item.is_major
        # (The blank lines first: where the template's tags stood, so the HTML stayed the same.)
        out = [f'\n\n\n\n<article id="item-{iid}" data-item="{iid}" class="item',
               f" answered result-{escape(result)}" if a else "", " major" if major else "",
               '">\n  ', item_static(item, self.locale), "\n  "]
        if self.editable:
            failed = result == "fail"
            url = urls["answer"].format(iid)
            purl = urls["upload"].format(iid)
            hidden = "" if failed else " hidden"
            confirm = f'hx-confirm="{w["confirm_major"]}"' if major and not failed else ""
            note = escape(a.note) if a else ""
            out.append(
                f'\n  \n  \n  \n  \n  <form method="post" action="{url}" hx-target="#item-{iid}"'
                ' hx-swap="outerHTML" hx-disabled-elt="closest fieldset" data-outbox="answer">\n'
                '    <fieldset class="plain">\n'
                f'    <input type="hidden" name="csrf_token" value="{self.token}">\n'
                '    <div class="ticks" role="group">\n'
                f'      <button name="result" value="pass" hx-post="{url}" class="tick tick-pass'
                f'{_on(result == "pass")}>{w["pass"]}</button>\n'
                f'      <button name="result" value="fail" hx-post="{url}" class="tick tick-fail'
                f'{_on(failed)}\n        {confirm}>{w["fail"]}</button>\n'
                f'      <button name="result" value="na" hx-post="{url}" class="tick tick-na'
                f'{_on(result == "na")}>{w["na"]}</button>\n'
                '    </div>\n    \n'
                f'    <div class="fail-only"{hidden}>\n'
                f'    <label class="note">{w["what_is_wrong"]}\n'
                '      <textarea name="note" rows="2" maxlength="2000" placeholder="'
                f'{w["note_placeholder"]}">{note}</textarea></label>\n'
                f'    <button name="result" value="fail" hx-post="{url}" class="small save-note">'
                f'{w["save_note"]}</button>\n'
                '    </div>\n    </fieldset>\n  </form>\n  \n  \n'
                f'  <form method="post" action="{purl}" enctype="multipart/form-data"'
                f' class="photo-form fail-only"{hidden}\n'
                f'        hx-post="{purl}" hx-encoding="multipart/form-data" hx-trigger="photo-ready"'
                f' hx-target="#item-{iid}"\n'
                f'        hx-swap="outerHTML" hx-indicator="#item-{iid} .uploading"'
                ' data-outbox="photo">\n'
                f'    <input type="hidden" name="csrf_token" value="{self.token}">\n'
                # A fresh key per rendered form (a retried upload reuses it): the `new_key` global.
                f'    <input type="hidden" name="upload_key" value="{uuid.uuid4().hex}">\n'
                '    <input type="hidden" name="taken_at" value="">\n'
                f'    <label class="button camera">{CAMERA} {w["take_photo"]}\n'
                '      <input type="file" name="photo" accept="image/*" capture="environment"'
                ' multiple data-shrink></label>\n'
                f'    <span class="uploading htmx-indicator">{w["uploading"]}</span>\n'
                f'    <noscript><button>{w["upload"]}</button></noscript>\n'
                '  </form>\n  \n  <p class="item-state" aria-live="polite"></p>\n  ')
        elif a:
            said = f": {escape(a.note)}" if a.note else ""
            out.append(f'\n  <p class="answer">{escape(label("result", result))}{said}</p>\n  ')
        out.append("\n  ")
        if a and a.photos:
            out.append('\n  <div class="thumbs">\n    ')
            for n, photo_id in enumerate(a.photos, 1):
                out.append(
                    f'\n    <figure>\n      <a href="{urls["photo"].format(photo_id)}"'
                    f' target="_blank"><img src="{urls["thumb"].format(photo_id)}"'
                    f' alt="{w["photo"]} {n}" width="96" height="96" loading="lazy"></a>\n      ')
                if self.editable:
                    rurl = urls["remove_photo"].format(photo_id)
                    out.append(
                        f'\n      \n      <form method="post" action="{rurl}" hx-post="{rurl}"'
                        f' hx-target="#item-{iid}" hx-swap="outerHTML">\n'
                        f'        <input type="hidden" name="csrf_token" value="{self.token}">'
                        f'<input type="hidden" name="item" value="{iid}">\n'
                        f'        <button class="link small">{w["remove"]}</button>\n'
                        '      </form>\n      ')
                out.append("\n    </figure>\n    ")
            out.append("\n  </div>\n  ")
        out.append("\n</article>\n")
        return "".join(out)  # every piece above is escaped or ours


def _on(on: bool) -> str:
    """The rest of a tick button's class and its aria-pressed, pressed or not."""
    return ' on" aria-pressed="true"' if on else '" aria-pressed="false"'
