"""Notification texts kept as a message key and its parameters, so each reader sees them in
their own language when they read them (not in the language of whoever caused them).

A module registers its texts once, at import, with lazy msgids; `notify(message=..., params=...)`
stores the key, and Notification.text() renders it for the current request's language.
"""

from dataclasses import dataclass

from flask_babel import LazyString


@dataclass(frozen=True)
class Message:
    title: LazyString
    body: LazyString | None = None


MESSAGES: dict[str, Message] = {}


def register(key: str, title: LazyString, body: LazyString | None = None) -> str:
    MESSAGES[key] = Message(title, body)
    return key


def render(key: str | None, params: dict | None) -> tuple[str, str] | None:
    """(title, body) in the current language; None for a key no module registered."""
    message = MESSAGES.get(key or "")
    if message is None:
        return None
    params = params or {}

    def fill(text: LazyString | None) -> str:
        return (str(text) % params if params else str(text)) if text is not None else ""

    return fill(message.title), fill(message.body)
