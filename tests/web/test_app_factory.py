"""The app class's one change to Flask: ensure_sync's answer kept for plain functions."""


def test_plain_functions_are_kept_and_async_ones_still_wrapped(app):
    def plain():
        return 1

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # the kept answer

    async def coroutine():
        return 2

    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError:  # Flask runs async views through asgiref, not installed here
        return
    assert wrapped is not coroutine and wrapped() == 2
    assert app.ensure_sync(coroutine) is not coroutine
