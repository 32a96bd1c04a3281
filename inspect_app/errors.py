"""The errors a user is shown: bad input or a refused step, nothing saved.

At the ground floor (no Flask, no feature), so every layer raises them and web.py maps them to
a page or a fragment with their status.
"""


class UserError(Exception):
    """Bad input or a refused action: shown to the user, nothing saved."""

    status = 422

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status:
            self.status = status


class Invalid(UserError):
    """Errors by field name in a form; nothing was saved. Shown beside each field, 422."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class Conflict(UserError):
    """Someone else changed the record first, or it moved on: the step no longer applies."""

    status = 409
