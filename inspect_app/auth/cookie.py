"""The session cookie as Flask signs it, with the signing serializer made once per key.

Flask builds a new URLSafeTimedSerializer twice per request (to read the cookie and to write
it); it depends only on the secret key and its fallbacks, so it is kept until they change.
The cookie, its signature and its checks are exactly Flask's.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    _made: tuple[tuple, URLSafeTimedSerializer | None] = ((), None)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made_for, serializer = self._made
        if made_for != key:
            serializer = super().get_signing_serializer(app)
            self._made = (key, serializer)  # one tuple: threads never see half of it
        return serializer
