"""The health check tells a load balancer whether the app can reach its database."""

import pytest

from inspect_app import create_app


def test_healthz_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"
                                                 "?connect_timeout=1"})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.json["database"] == "unreachable"


def test_language_switch_is_a_csrf_protected_post(client):
    assert client.post("/lang/en", data={"next": "/auth/login"}, csrf=False).status_code == 400
    resp = client.post("/lang/en", data={"next": "/auth/login"})
    assert resp.status_code == 302 and resp.location == "/auth/login"
    assert 'lang="en"' in client.get("/auth/login").text
    client.post("/lang/zh", data={"next": "//evil.example"})
    assert 'lang="zh-CN"' in client.get("/auth/login").text


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/\\/evil.example", "/ok\x00", "javascript:alert(1)"])
def test_a_next_address_off_this_site_is_never_followed(client, target):
    """Every form that sends the user on (language, large type, login) goes to a path of this
    site only: a backslash is refused too, as browsers read "/\\x" as "//x"."""
    for url in ("/lang/en", "/large-type"):
        resp = client.post(url, data={"next": target})
        assert resp.status_code == 302 and resp.location == "/", (url, target)
    assert f'value="{target}"' not in client.get("/auth/login", query_string={"next": target}).text
