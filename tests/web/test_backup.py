"""`flask backup` then `flask restore` into a fresh database and folder gives the same rows,
table by table, and the same files, by checksum; a refused restore changes nothing."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import make_url

from inspect_app import create_app
from inspect_app.demo import load
from inspect_app.extensions import db
from tests.conftest import drop_database, make_database


def _rows(app) -> dict[str, list[tuple]]:
    """Every table's rows, ordered by primary key."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in db.session.execute(
                select(table).order_by(*order))]
        db.session.remove()
        return out


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def target(app, tmp_path):
    """A fresh, empty database (no tables at all) and an empty upload folder."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        target_url = make_database(url, f"{url.database}_restore")
    restored = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": target_url,
                           "UPLOAD_DIR": str(tmp_path / "restored-uploads")})
    yield restored
    with restored.app_context():
        db.engine.dispose()
    drop_database(target_url)


def _photo(path: Path, color: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())


def test_backup_then_restore_gives_the_same_rows_and_files(app, target, tmp_path):
    with app.app_context():
        load()
        db.session.remove()
    uploads = Path(app.config["UPLOAD_DIR"])
    _photo(uploads / "ab" / "abc123.jpg", "red")
    _photo(uploads / "ab" / "abc123.thumb.jpg", "blue")
    _photo(uploads / "cd" / "cd4567.jpg", "green")
    archive = tmp_path / "backup.tar.gz"

    out = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert out.exit_code == 0, out.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    source_rows = _rows(app)
    assert manifest["database"]["tables"] == {t: len(r) for t, r in source_rows.items()}
    assert manifest["database"]["tables"]["hazards"] > 0
    assert {k: v["sha256"] for k, v in manifest["files"].items()} == _files(uploads)

    out = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert out.exit_code == 0, out.output
    restored_rows = _rows(target)
    for table, rows in source_rows.items():
        assert restored_rows[table] == rows, table
    assert _files(Path(target.config["UPLOAD_DIR"])) == _files(uploads)

    # The target now holds data: a second restore is refused and changes nothing.
    _photo(Path(target.config["UPLOAD_DIR"]) / "zz" / "extra.jpg", "white")
    files_before = _files(Path(target.config["UPLOAD_DIR"]))
    out = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert out.exit_code != 0 and "refusing to restore" in out.output
    assert "the database holds rows" in out.output
    assert f"upload folder holds {len(files_before)} files" in out.output
    assert _rows(target) == restored_rows
    assert _files(Path(target.config["UPLOAD_DIR"])) == files_before

    # --force replaces both with the archive's contents.
    out = target.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert out.exit_code == 0, out.output
    assert _rows(target) == source_rows
    assert _files(Path(target.config["UPLOAD_DIR"])) == _files(uploads)


def test_a_damaged_archive_is_refused_before_anything_changes(app, target, tmp_path):
    uploads = Path(app.config["UPLOAD_DIR"])
    _photo(uploads / "ab" / "one.jpg", "red")
    archive = tmp_path / "backup.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    # Rewrite the archive with the photo's bytes changed but the manifest kept.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.endswith("one.jpg"):
                data = data[:-10] + b"0" * 10
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    out = target.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert out.exit_code != 0 and "damaged" in out.output
    with target.app_context():
        from sqlalchemy import inspect
        assert inspect(db.engine).get_table_names() == []
    assert not Path(target.config["UPLOAD_DIR"]).exists() or not any(
        Path(target.config["UPLOAD_DIR"]).iterdir())
