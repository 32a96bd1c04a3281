"""Configuration: safe defaults, overridden by environment variables."""

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: str) -> str:
    """A secret key generated once and kept under instance/, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def from_environment(instance_path: str) -> dict:
    """Settings read from the environment (DATABASE_URL, SECRET_KEY, UPLOAD_DIR, BASE_URL…)."""
    env = os.environ
    db_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'inspect.db'}"
    if db_url.startswith("postgres://"):  # Heroku-style URLs
        db_url = "postgresql://" + db_url[len("postgres://"):]
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]
    cfg = {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path),
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        "BASE_URL": (env.get("BASE_URL") or "").rstrip("/"),
        "PORT": int(env.get("PORT", "5000")),
        # E-mail copies of notifications are sent only when SMTP_HOST is set.
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": bool(env.get("SMTP_STARTTLS")),
        "MAIL_FROM": env.get("MAIL_FROM", "noreply@localhost"),
    }
    if env.get("SESSION_COOKIE_SECURE"):
        cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = True
    return cfg


class Defaults:
    """Defaults that the environment and tests may override."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024  # a whole request; single photos are capped lower
    PHOTO_MAX_BYTES = 15 * 1024 * 1024
    PHOTO_MAX_PIXELS = 40_000_000  # a 40 MP camera frame; larger is treated as a decompression bomb
    PHOTO_LONG_EDGE = 1600
    PHOTO_THUMB_EDGE = 320
    IMPORT_MAX_ROWS = 10_000  # a larger register is split; keeps one request well under a minute
    # Days to fix a finding, by hazard level (configurable per deployment).
    HAZARD_DEADLINE_DAYS = {"general": 15, "major": 60}
    # Days between inspections, by site risk colour (四色分级 sets the frequency).
    INSPECTION_INTERVAL_DAYS = {"red": 30, "orange": 60, "yellow": 90, "blue": 180}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    WTF_CSRF_TIME_LIMIT = None  # field forms stay open for hours; the token lives with the session
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    PAGE_SIZE = 25
    # Static URLs carry a content hash (see web.static_url), so browsers may keep them a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    COMPRESS_ALGORITHM = ["br", "gzip", "deflate"]
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml"]
