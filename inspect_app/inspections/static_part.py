"""What a checklist page repeats for every item, rendered once per process and language.

A checklist of 40 items used to translate ~13 fixed words and escape its requirement, basis
and guidance for every item on every request (most of the page's CPU). An item's text never
changes within its template version (a changed file is a new version with new items), so its
rendered fixed part is kept, keyed by the language and the text itself (not by row id: a row id
may be reused after a version is deleted); the buttons' words are translated once per language.
"""

from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape


def item_static(item, locale: str | None = None) -> Markup:
    """The item's code, requirement, major-hazard tag, basis and guidance as HTML, in
    `locale` (default: the request's)."""
    return _render(locale or str(get_locale()), item.code, item.requirement,
                   bool(item.is_major), item.basis or "", item.guidance or "")


@lru_cache(maxsize=8192)
def _render(locale: str, code: str, requirement: str, is_major: bool, basis: str,
            guidance: str) -> Markup:
    # The template alone, without the context processors (no query for the inbox count).
    template = current_app.jinja_env.get_template("inspections/_item_static.html")
    return Markup(template.render(code=code, requirement=requirement,  # noqa: S704
                                  is_major=is_major, basis=basis, guidance=guidance).strip())


def item_words() -> dict[str, Markup]:
    """The words on every item's buttons and forms, in the current language."""
    return _words(str(get_locale()))


@lru_cache(maxsize=16)
def _words(locale: str) -> dict[str, Markup]:
    words = {
        "pass": _("Pass"), "fail": _("Fail"), "na": _("N/A"),
        "confirm_major": _("This is a major accident hazard item. Confirm that it fails?"),
        "what_is_wrong": _("What is wrong"), "note_placeholder": _("Where, what, how serious"),
        "save_note": _("Save note"), "take_photo": _("Take photo"), "uploading": _("Uploading…"),
        "upload": _("Upload"), "photo": _("Photo"), "remove": _("Remove"),
    }
    return {k: escape(v) for k, v in words.items()}


def outbox_words() -> dict[str, str]:
    """What static/outbox.js says on the checklist page, in the current language."""
    return _outbox_words(str(get_locale()))


@lru_cache(maxsize=16)
def _outbox_words(locale: str) -> dict[str, str]:
    return {
        "waiting": _("%(n)s waiting to upload", n="{n}"),
        "allSaved": _("All saved"),
        "saved": _("Saved"),
        "queued": _("Waiting to upload"),
        "sending": _("Uploading…"),
        "refused": _("Not accepted: %(reason)s", reason="{reason}"),
        "offline": _("No network: kept on this phone, it uploads by itself when the signal is "
                     "back."),
        "unreachable": _("The server cannot be reached: kept on this phone, retrying by itself."),
        "replyLost": _("The server had already saved this; only its reply was lost."),
        "checking": _("Asking the server whether it already has this photo…"),
        "loggedOut": _("You were logged out. Log in again: nothing waiting here is lost, it is "
                       "sent after you log in."),
        "logIn": _("Log in again"),
        "photoUploading": _("Photo uploading %(p)s%%", p="{p}"),
        "photoQueued": _("Photo waiting to upload"),
        "submitPhotos": _("%(n)s photos are still uploading…", n="{n}"),
        "submitWrites": _("%(n)s changes are still uploading; the inspection is submitted right "
                          "after.", n="{n}"),
        "submitQueued": _("Submit is queued and is sent when everything before it is saved."),
        "leave": _("Some changes are not uploaded yet. Leave anyway?"),
    }
