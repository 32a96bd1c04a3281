"""Plain builders for test data (CTFd's gen_* style). Call them inside an app context."""

import io
from datetime import datetime

from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from inspect_app.checklists.models import ChecklistTemplate
from inspect_app.extensions import db
from inspect_app.models import Area, Grid, Site, User

PASSWORD = "pw-123456"
# Hashing is deliberately slow; compute it once for every user the tests make.
_HASH = generate_password_hash(PASSWORD)
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
