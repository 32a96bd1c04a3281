"""Requests per client address (Flask-Limiter): sign-in, PIN check-ins and every anonymous form.

The limits are read from the config on each request (SIGN_IN_RATE_LIMIT, …). An over-limit
client gets 429 through web's error handler: a page in its language, or for htmx the message in
X-Message, with Retry-After.
"""

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter


def _config(key: str):
    return lambda: current_app.config[key]


def _marked(decorator, key: str):
    """The limit, and a mark naming it (a test checks every anonymous form has one)."""
    def decorate(view):
        limited = decorator(view)
        limited.rate_limit = key
        return limited
    return decorate


# Password and PIN login share one budget: switching pages does not double an attacker's tries.
sign_in = _marked(limiter.shared_limit(_config("SIGN_IN_RATE_LIMIT"), scope="sign-in",
                                       methods=["POST"]), "SIGN_IN_RATE_LIMIT")
anonymous_form = _marked(limiter.limit(_config("ANONYMOUS_FORM_RATE_LIMIT"), methods=["POST"]),
                         "ANONYMOUS_FORM_RATE_LIMIT")
pin_check_in = _marked(limiter.limit(_config("CHECKIN_RATE_LIMIT"), methods=["POST"]),
                       "CHECKIN_RATE_LIMIT")


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_COUNT"):  # the client address is the one the proxies saw
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    limiter.init_app(app)
