"""Notification texts kept as a message key and its parameters, so each reader sees them in
their own language when they read them (not in the language of whoever caused them).

A module registers its texts once, at import, with lazy msgids; `notify(message=..., params=...)`
stores the key, and Notification.text() renders it for the current request's language.
Parameters are stored as data (names, dates, codes); a code is put in words when the message is
rendered, by the function registered for that parameter in `words` (a label table's lookup).
A body that is only what someone typed is a plain "%(what)s", not a msgid.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import LazyString


@dataclass(frozen=True)
class Message:
    title: LazyString | str
    body: LazyString | str | None = None
    words: Mapping[str, Callable] = field(default_factory=dict)


MESSAGES: dict[str, Message] = {}


def register(key: str, title: LazyString | str, body: LazyString | str | None = None,
             words: Mapping[str, Callable] | None = None) -> str:
    MESSAGES[key] = Message(title, body, dict(words or {}))
    return key


def render(key: str | None, params: dict | None) -> tuple[str, str] | None:
    """(title, body) in the current language; None for a key no module registered."""
    message = MESSAGES.get(key or "")
    if message is None:
        return None
    params = {name: str(message.words[name](value)) if name in message.words else value
              for name, value in (params or {}).items()}

    def fill(text: LazyString | str | None) -> str:
        return (str(text) % params if params else str(text)) if text is not None else ""

    return fill(message.title), fill(message.body)
