"""Plain builders for test data (CTFd's gen_* style). Call them inside an app context."""

import io
from datetime import date, datetime, timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from inspect_app.checklists.models import ChecklistTemplate
from inspect_app.extensions import db
from inspect_app.models import Answer, Area, Grid, Hazard, Inspection, Site, User

PASSWORD = "pw-123456"
# Hashing is deliberately slow (scrypt); tests hash by a cheap method (conftest sets the app's
# PASSWORD_HASH_METHOD to it), and once for every user the tests make.
HASH_METHOD = "pbkdf2:sha256:1000"


def hash_secret(secret: str) -> str:
    """A password or PIN hash as the tests' app makes them (cheap, but a real check)."""
    return generate_password_hash(secret, method=HASH_METHOD)


_HASH = hash_secret(PASSWORD)
_n = iter(range(1, 10**9))


def make_area(name: str | None = None) -> Area:
    area = Area(name=name or f"片区{next(_n)}")
    db.session.add(area)
    db.session.commit()
    return area


def make_grid(area: Area | None = None, name: str | None = None) -> Grid:
    grid = Grid(name=name or f"网格{next(_n)}", area=area or make_area())
    db.session.add(grid)
    db.session.commit()
    return grid


def make_site(grid: Grid | None = None, **fields) -> Site:
    n = next(_n)
    values = {"name": f"测试企业{n}", "site_type": "MECH", "address": f"工业路{n}号",
              "risk_color": "yellow", "principal_name": "王五", "principal_phone": "13900000000"}
    values.update(fields)
    site = Site(grid=grid or make_grid(), **values)
    db.session.add(site)
    db.session.commit()
    return site


def make_user(role: str = "inspector", *, grids=(), site: Site | None = None, **fields) -> User:
    n = next(_n)
    user = User(username=fields.pop("username", f"user{n}"), name=fields.pop("name", f"用户{n}"),
                role=role, password_hash=_HASH, site_id=site.id if site else None,
                phone=fields.pop("phone", f"137{n:08d}"), **fields)
    user.grids = list(grids)
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client, user: User | int) -> None:
    """Write the session Flask-Login reads after a login, as the login form leaves it: a fresh
    session (the language and large-type choice kept), the user's current id and generation.
    What a login does beyond that (a large-type choice carried over, lockout counts cleared) is
    the real form's: tests of it use conftest.form_login."""
    from inspect_app.display import SESSION_KEY

    app = client.application
    with app.app_context():  # the current generation, even if the test's copy is stale
        token = db.session.get(User, getattr(user, "id", user)).get_id()
    with app.test_request_context():  # the same address and agent as the test client's
        ident = app.login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        kept = {k: session[k] for k in ("lang", SESSION_KEY) if k in session}
        session.clear()
        session.update(kept, _user_id=token, _fresh=True, _id=ident)
    client._token = None  # a new session: the next POST fetches its CSRF token


def make_hazard(site: Site, description: str = "配电箱门缺失", *, level: str = "general",
                source: str = "patrol", reporter: User | None = None, found: datetime | None = None,
                status: str | None = None, deadline: date | None = None, **fields) -> Hazard:
    """A hazard reported the real way (hazards.service.report: its report event, found day and
    default deadline), then put in `status` with `deadline` and `fields` as the test needs."""
    from inspect_app.hazards.service import report

    hazard = report(site_id=site.id, description=description, level=level, source=source,
                    reporter=reporter, now=found)
    for name, value in {"status": status, "deadline": deadline, **fields}.items():
        if value is not None:
            setattr(hazard, name, value)
    db.session.commit()
    return hazard


def make_inspection(site: Site, slug: str, inspector: User, results=(), *, kind: str = "patrol",
                    started: datetime | None = None, submitted: datetime | None = None,
                    from_scan: bool = False) -> Inspection:
    """An inspection of `site` with checklist `slug`, its first items answered with `results`
    ("pass"/"fail"/"na"); submitted at `submitted` (None: still open)."""
    tmpl = template(slug)
    started = started or (submitted - timedelta(hours=1) if submitted else now())
    inspection = Inspection(site_id=site.id, template_id=tmpl.id, inspector_id=inspector.id,
                            kind=kind, from_scan=from_scan, started_at=started,
                            submitted_at=submitted)
    db.session.add(inspection)
    db.session.flush()
    for item, result in zip(tmpl.items, results, strict=False):
        db.session.add(Answer(inspection_id=inspection.id, item_id=item.id, result=result))
    db.session.commit()
    return inspection


def template(slug: str) -> ChecklistTemplate:
    return db.session.scalar(select(ChecklistTemplate).where(
        ChecklistTemplate.slug == slug, ChecklistTemplate.is_current.is_(True)))


def jpeg_bytes(size=(800, 600), color=(200, 40, 40), exif: dict | None = None) -> bytes:
    img = Image.new("RGB", size, color)
    ex = Image.Exif()
    for tag, value in (exif or {}).items():
        ex[tag] = value
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=ex.tobytes() if exif else b"")
    return buf.getvalue()


def now() -> datetime:
    from inspect_app.timeutil import utcnow
    return utcnow()
