"""Static files go out compressed from a copy made once per process, never per request; the
unread badge is counted at most every few seconds per user (and at once after reading)."""

import gzip
from pathlib import Path

import brotli
import flask_compress.flask_compress as fc
import pytest
from sqlalchemy import event

from inspect_app import memo, precompress
from inspect_app.extensions import db
from inspect_app.notifications import service
from tests.factories import make_user

STATIC = Path(__file__).resolve().parents[2] / "static"
HTMX = "vendor/htmx-2.0.11.min.js"


@pytest.fixture
def compressions(monkeypatch):
    """How often a response body was compressed: by Flask-Compress or by precompress."""
    calls = []
    real = fc._compress_data
    monkeypatch.setattr(fc, "_compress_data", lambda *a: calls.append(a[2]) or real(*a))
    return lambda: len(calls) + precompress.compressions


@pytest.mark.parametrize("encoding,decode", [("br", brotli.decompress),
                                             ("gzip", gzip.decompress)])
def test_static_file_is_compressed_once_then_served_from_the_copy(client, compressions,
                                                                  encoding, decode):
    precompress._cache.clear()
    before = compressions()
    bodies = []
    for _ in range(3):
        resp = client.get(f"/static/{HTMX}", headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert resp.status_code == 200
        assert resp.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in resp.headers["Vary"]
        assert int(resp.headers["Content-Length"]) == len(resp.data)
        bodies.append(resp.data)
    assert compressions() - before == 1  # the first request only
    assert decode(bodies[0]) == (STATIC / HTMX).read_bytes()
    assert bodies[0] == bodies[1] == bodies[2]


def test_static_file_revalidates_against_its_compressed_etag(client):
    first = client.get("/static/app.css", headers={"Accept-Encoding": "br"})
    etag = first.headers["ETag"]
    assert etag.endswith(':br"')
    again = client.get("/static/app.css", headers={"Accept-Encoding": "br",
                                                   "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_static_file_without_accepted_encoding_is_plain(client, compressions):
    before = compressions()
    resp = client.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert resp.status_code == 200 and "Content-Encoding" not in resp.headers
    assert resp.data == (STATIC / "app.css").read_bytes()
    assert compressions() == before


def test_a_changed_file_is_compressed_afresh(app, client, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    (tmp_path / "app.css").write_bytes((STATIC / "app.css").read_bytes())  # the CSP's hash
    target = tmp_path / "x.css"
    target.write_text("body{color:red}" * 100)
    one = client.get("/static/x.css", headers={"Accept-Encoding": "br"}).data
    target.write_text("body{color:blue}" * 200)
    two = client.get("/static/x.css", headers={"Accept-Encoding": "br"}).data
    assert brotli.decompress(two) == target.read_bytes() != brotli.decompress(one)
    assert sum(1 for k in precompress._cache if k[0] == str(target)) == 1  # the old copy went


def _counts(app):
    seen = []
    listener = lambda conn, cursor, statement, *a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", listener)


def test_unread_count_is_counted_once_for_a_few_seconds_and_at_once_after_reading(
        app, client, login, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()
    try:
        user = make_user("supervisor")
        service.notify([user], kind="test", title="一")
        service.notify([user], kind="test", title="二")
        db.session.commit()
        login(user)
        seen, stop = _counts(app)
        try:
            pages = [client.get("/inbox/").text for _ in range(3)]
        finally:
            stop()
        unread = [s for s in seen if "notifications" in s and "count(" in s.lower()
                  and "read_at IS NULL" in s]
        assert len(unread) == 1, unread
        assert all('id="unread-count">2<' in p for p in pages)
        client.post("/inbox/read")
        assert 'id="unread-count"' not in client.get("/inbox/").text
    finally:
        memo.clear_all()
