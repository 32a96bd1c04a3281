"""Backup and restore: one archive holding the database, every photo and a manifest.

`flask backup PATH` writes a .tar.gz with
- `manifest.json`: format, time, dialect, the Alembic revision, row counts per table and the
  size and sha256 of every file;
- `database.sqlite3` (SQLite's online backup API: a consistent copy while the app runs) or
  `database.pgdump` (pg_dump's custom format, taken in the same snapshot the row counts are
  read in, via pg_export_snapshot);
- `uploads/…`: every file under UPLOAD_DIR, copied after the database snapshot (a photo
  written meanwhile has no row in the copy; `flask photos sweep` removes such files).

`flask restore PATH` checks every checksum in the archive first, refuses a target database
that holds rows or an upload folder that holds files (unless `--force`), loads the database
(SQLite backup API / pg_restore in one transaction), unpacks the files, then checks row counts
and checksums against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from .extensions import db
from .timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; nothing was changed."""


@dataclass
class Result:
    tables: dict[str, int]
    files: int
    path: str


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _table_names() -> list[str]:
    """The app's tables, plus alembic_version when the database was migrated."""
    return [t.name for t in db.metadata.sorted_tables]


def _counts(conn) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables if t.name in present}


def _revision(conn) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _upload_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


# Backup -------------------------------------------------------------------------------------

def backup(path: str) -> Result:
    """Write one consistent archive of the database and the uploads to `path`."""
    url = _url()
    root = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        if url.get_backend_name() == "sqlite":
            db_file, tables, revision = _sqlite_snapshot(url, tmp_dir / "database.sqlite3")
        elif url.get_backend_name() == "postgresql":
            db_file, tables, revision = _pg_snapshot(url, tmp_dir / "database.pgdump")
        else:
            raise BackupError(f"no backup for {url.get_backend_name()} databases")
        files = {}
        for file in _upload_files(root):
            rel = file.relative_to(root).as_posix()
            files[rel] = {"sha256": _sha256(file), "size": file.stat().st_size}
        manifest = {"format": FORMAT, "created_at": utcnow().isoformat() + "Z",
                    "database": {"dialect": url.get_backend_name(), "file": db_file.name,
                                 "sha256": _sha256(db_file), "revision": revision,
                                 "tables": tables},
                    "files": files}
        (tmp_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        partial = Path(f"{path}.part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp_dir / MANIFEST, MANIFEST)
            tar.add(db_file, db_file.name)
            for rel in files:
                tar.add(root / rel, f"{UPLOADS}/{rel}")
        os.replace(partial, path)  # a half-written archive never carries the final name
    return Result(tables, len(files), path)


def _sqlite_snapshot(url: URL, out: Path) -> tuple[Path, dict, str | None]:
    source = sqlite3.connect(url.database)
    try:
        target = sqlite3.connect(out)
        with target:
            source.backup(target)  # the online backup API: consistent while others write
        target.close()
    finally:
        source.close()
    engine = create_engine(f"sqlite:///{out}")
    try:
        with engine.connect() as conn:
            return out, _counts(conn), _revision(conn)
    finally:
        engine.dispose()


def _pg_snapshot(url: URL, out: Path) -> tuple[Path, dict, str | None]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.execution_options(
                isolation_level="REPEATABLE READ").begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            tables, revision = _counts(conn), _revision(conn)
            dsn, env = _libpq(url)
            # The dump reads the very snapshot the counts were read in (the transaction stays
            # open until pg_dump is done).
            run = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                  f"--snapshot={snapshot}", f"--file={out}", f"--dbname={dsn}"],
                                 env=env, capture_output=True, text=True)
    finally:
        engine.dispose()
    if run.returncode != 0:
        raise BackupError(f"pg_dump failed: {run.stderr.strip()[:500]}")
    return out, tables, revision


# Restore ------------------------------------------------------------------------------------

def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for m in tar.getmembers():
        name = PurePosixPath(m.name)
        if not m.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"unexpected entry in the archive: {m.name!r}")
        members[m.name] = m
    return members


def _read_manifest(tar, members) -> dict:
    if MANIFEST not in members:
        raise BackupError("not a backup archive: no manifest.json")
    manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}")
    return manifest


def target_problems() -> list[str]:
    """Why the configured database and upload folder are not empty (empty list: they are)."""
    problems = []
    engine = db.engine
    with engine.connect() as conn:
        rows = {t: n for t, n in _counts(conn).items() if n}
    if rows:
        problems.append("the database holds rows: " + ", ".join(f"{t} ({n})" for t, n in
                                                                 sorted(rows.items())[:8]))
    files = _upload_files(Path(current_app.config["UPLOAD_DIR"]))
    if files:
        problems.append(f"the upload folder holds {len(files)} files")
    return problems


def restore(path: str, force: bool = False) -> Result:
    """Load an archive into an empty database and upload folder (or any, with `force`)."""
    url = _url()
    root = Path(current_app.config["UPLOAD_DIR"])
    with tarfile.open(path, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        members = _members(tar)
        manifest = _read_manifest(tar, members)
        dbinfo = manifest["database"]
        if dbinfo["dialect"] != url.get_backend_name():
            raise BackupError(f"the archive holds a {dbinfo['dialect']} database; the target is "
                              f"{url.get_backend_name()}")
        tar.extractall(tmp, filter="data")
        tmp_dir = Path(tmp)
        # Every checksum first: a damaged archive changes nothing.
        bad = [] if _sha256(tmp_dir / dbinfo["file"]) == dbinfo["sha256"] else [dbinfo["file"]]
        bad += [rel for rel, info in manifest["files"].items()
                if not (tmp_dir / UPLOADS / rel).is_file()
                or _sha256(tmp_dir / UPLOADS / rel) != info["sha256"]]
        if bad:
            raise BackupError(f"the archive is damaged: {', '.join(bad[:5])}")
        if not force and (problems := target_problems()):
            raise BackupError("refusing to restore over existing data (" + "; ".join(problems)
                              + "); use --force to replace it")
        db.session.remove()
        db.engine.dispose()
        if dbinfo["dialect"] == "sqlite":
            _sqlite_load(tmp_dir / dbinfo["file"], url)
        else:
            _pg_load(tmp_dir / dbinfo["file"], url)
        if root.exists():
            shutil.rmtree(root)  # empty, or --force: the archive's files replace what is there
        if (tmp_dir / UPLOADS).exists():
            shutil.copytree(tmp_dir / UPLOADS, root)
        root.mkdir(parents=True, exist_ok=True)
    db.engine.dispose()
    with db.engine.connect() as conn:
        tables = _counts(conn)
    if tables != dbinfo["tables"]:
        raise BackupError(f"row counts differ after the restore: {tables} != {dbinfo['tables']}")
    files = {p.relative_to(root).as_posix(): _sha256(p) for p in _upload_files(root)}
    if files != {rel: info["sha256"] for rel, info in manifest["files"].items()}:
        raise BackupError("the restored files differ from the manifest")
    return Result(tables, len(files), path)


def _sqlite_load(snapshot: Path, url: URL) -> None:
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    try:
        target = sqlite3.connect(url.database)
        with target:
            source.backup(target)  # replaces the target's pages whole
        target.close()
    finally:
        source.close()


def _pg_load(dump: Path, url: URL) -> None:
    dsn, env = _libpq(url)
    run = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
                          "--single-transaction", "--exit-on-error", f"--dbname={dsn}", str(dump)],
                         env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing changed): {run.stderr.strip()[:500]}")
