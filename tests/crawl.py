"""Walking the app as a user would: follow the links of every page, one URL per endpoint, then
fill in the endpoints no link reached with placeholder arguments. Used by the header and CSP tests."""

import re
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.routing.converters import AnyConverter, NumberConverter

# Same-origin GET targets in a page: links, images, scripts, styles and htmx GETs.
_TARGETS = re.compile(r'(?:href|src|hx-get)="(/[^"#]*)"')
_DOWNLOAD = re.compile(r"\.(xlsx|csv|png|jpe?g|svg)$|^/photos/")
# GETs that change who is logged in, or only exist for a poster's print run.
SKIP = {"auth.logout"}


def endpoint_of(app, url: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    return endpoint


def links(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in _TARGETS.findall(html)]


def example_url(app, rule) -> str:
    """A URL for the rule with placeholder arguments (1 for numbers, the first choice of any())."""
    values = {}
    for arg, conv in rule._converters.items():
        values[arg] = 1 if isinstance(conv, NumberConverter) else (
            sorted(conv.items)[0] if isinstance(conv, AnyConverter) else "x")
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def crawl(app, get, start: str = "/", per_endpoint: int = 1, limit: int = 400,
          pages_only: bool = False) -> dict[str, list]:
    """{endpoint: [(url, response)]} for the pages reachable from `start` through `get(url)`
    (with `pages_only`, not the static files, images and downloads they link to)."""
    found: dict[str, list] = {}
    queue, queued = [start], {start}
    while queue and sum(map(len, found.values())) < limit:
        url = queue.pop(0)
        endpoint = endpoint_of(app, url)
        if endpoint is None or endpoint in SKIP or len(found.get(endpoint, [])) >= per_endpoint:
            continue
        if pages_only and (endpoint == "static" or _DOWNLOAD.search(urlsplit(url).path)):
            continue
        resp = get(url)
        resp.get_data()
        resp.close()  # streamed files (photos) are read and closed here
        found.setdefault(endpoint, []).append((url, resp))
        if resp.mimetype == "text/html":
            for link in links(resp.get_data(as_text=True)):
                if link not in queued:
                    queued.add(link)
                    queue.append(link)
    return found


def get_rules(app):
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods]
