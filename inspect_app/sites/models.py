"""Areas, grids and sites (enterprises and places), with their QR tokens."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, cast, func, select, text
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from .types import applicable_codes

grid_inspectors = Table(
    "grid_inspectors",
    db.metadata,
    Column("grid_id", ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# User.grid_ids: the user's grid ids as "3,7", read with the user's row where asked (the user
# loader undefers it), so an inspector's pages load no Grid rows to check access.
User.grid_id_list = deferred(column_property(
    select(func.aggregate_strings(cast(grid_inspectors.c.grid_id, String), ","))
    .where(grid_inspectors.c.user_id == User.id).correlate_except(grid_inspectors)
    .scalar_subquery()))


def new_qr_token() -> str:
    """128 bits of randomness: unguessable, short enough for a small QR code."""
    return secrets.token_urlsafe(16)


class Area(db.Model):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    grids = relationship("Grid", back_populates="area", order_by="Grid.name")


class Grid(db.Model):
    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    area = relationship("Area", back_populates="grids")
    inspectors = relationship("User", secondary=grid_inspectors, back_populates="grids")
    sites = relationship("Site", back_populates="grid", order_by="Site.name")


# Sites listed (the responsibility list reads active sites only).
ACTIVE_SQL = "active IS true"


class SiteCodes:
    """A site's codes from its site_type, features and haz_modes: for Site, and for a site
    read as a row (SitePlace)."""

    @property
    def feature_codes(self) -> list[str]:
        return _split(self.features)

    @property
    def haz_mode_codes(self) -> list[str]:
        return _split(self.haz_modes)

    @property
    def checklist_codes(self) -> set[str]:
        """The codes checklists and their items name to apply to this site."""
        return checklist_codes(self.site_type, self.features, self.haz_modes)


class Site(SiteCodes, db.Model):
    __tablename__ = "sites"
    # Supervisor and inspector homes: the due sites, most overdue first, then by name.
    __table_args__ = (
        Index("ix_sites_next_due_on_name", "next_due_on", "name"),
        # The responsibility list's order within a grid (ledgers/lists.SITE_ORDER): its page
        # keys read a grid's sites in order from the index alone, not all sites sorted.
        Index("ix_sites_active_grid_name_id", "grid_id", "name", "id",
              postgresql_where=text(ACTIVE_SQL), sqlite_where=text(ACTIVE_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(256), default="")
    site_type: Mapped[str] = mapped_column(String(8), index=True)
    subkind: Mapped[str] = mapped_column(String(32), default="")
    features: Mapped[str] = mapped_column(String(64), default="")  # e.g. "DUST,CS"
    haz_modes: Mapped[str] = mapped_column(String(32), default="")  # HAZ sites: e.g. "PROD,STORE"
    size_class: Mapped[str] = mapped_column(String(8), default="small")
    principal_name: Mapped[str] = mapped_column(String(64), default="")
    principal_phone: Mapped[str] = mapped_column(String(20), default="")
    controller_name: Mapped[str] = mapped_column(String(64), default="")
    controller_phone: Mapped[str] = mapped_column(String(20), default="")
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    risk_color: Mapped[str] = mapped_column(String(8), default="blue", index=True)
    qr_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_qr_token)
    qr_issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the next inspection is due (risk colour's interval after the last one); None: never
    # inspected, so due now. Kept by sites/due.py whenever either changes.
    next_due_on: Mapped[date | None]

    grid = relationship("Grid", back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"


@dataclass(frozen=True, slots=True)
class SitePlace(SiteCodes):
    """What the site page shows of a site, with its grid's and area's names, as one row."""

    id: int
    name: str
    address: str
    site_type: str
    subkind: str
    features: str
    haz_modes: str
    principal_name: str
    principal_phone: str
    grid_id: int
    risk_color: str
    grid_name: str
    area_name: str


def _split(codes: str | None) -> list[str]:
    return [c for c in (codes or "").split(",") if c]


def checklist_codes(site_type: str, features: str, haz_modes: str | None) -> set[str]:
    """Site.checklist_codes from the columns themselves (pages that read a site as a row)."""
    return applicable_codes(site_type, _split(features), _split(haz_modes))
