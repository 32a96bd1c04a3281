"""Who may call which route. Every view declares a rule; a test checks none is missing."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .roles import Role

PUBLIC = "public"
ANY_USER = "any user"
# Endpoints Flask itself registers.
BUILTIN_PUBLIC = {"static"}


def public(view: Callable) -> Callable:
    """Anyone, logged in or not (login page, health check, public reports)."""
    view.access_rule = PUBLIC
    return view


def allow(*roles: Role) -> Callable[[Callable], Callable]:
    """Logged-in users with one of `roles` (any logged-in user when none are named).

    Object-level rules (which site, which hazard) are applied by the services' scoped
    queries, which answer 404 for what the user may not see.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapped)
        guarded.access_rule = tuple(roles) or ANY_USER
        return guarded

    return decorate


FIELD_ROLES = (Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN, Role.ENTERPRISE)
STAFF_ROLES = (Role.SUPERVISOR, Role.ADMIN)
