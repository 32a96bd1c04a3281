"""Steps the browser tests share (imported as tests.browser.pages; pytest collects only test_*)."""

from playwright.sync_api import Page

from tests.factories import PASSWORD


def log_in(page: Page, username: str, *, base: str = "", password: str = PASSWORD) -> None:
    """Log in through the real login form, and wait until it has let the user in."""
    page.goto(f"{base}/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/auth/login'] button").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
