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
        # Texts to principals and actual controllers: `log` (default) or `http` (JSON gateway).
        "SMS_BACKEND": env.get("SMS_BACKEND", "log"),
        "SMS_URL": env.get("SMS_URL", ""),
        "SMS_TOKEN": env.get("SMS_TOKEN", ""),
    }
    # Photo decode processes per web worker process, and uploads that may wait for one.
    if env.get("PHOTO_DECODE_CONCURRENCY"):
        cfg["PHOTO_DECODE_CONCURRENCY"] = max(1, int(env["PHOTO_DECODE_CONCURRENCY"]))
    if env.get("PHOTO_DECODE_QUEUE"):
        cfg["PHOTO_DECODE_QUEUE"] = max(0, int(env["PHOTO_DECODE_QUEUE"]))
    if env.get("PHOTO_DECODE_NICE"):
        cfg["PHOTO_DECODE_NICE"] = max(0, int(env["PHOTO_DECODE_NICE"]))
    # Rate limits are shared by every worker process through Redis; memory is per process.
    cfg["RATELIMIT_STORAGE_URI"] = env.get("REDIS_URL") or "memory://"
    if env.get("BENCH_FLOOR") == "1":  # bench/run.py: its floor routes, and no rate limits
        cfg["BENCH_FLOOR"], cfg["RATELIMIT_ENABLED"] = True, False  # (it measures the pages)
    cfg["PROXY_COUNT"] = int(env.get("PROXY_COUNT", "0"))
    # The task queue: Redis when there is one (consumers on other machines share it), else a
    # SQLite file beside the database, so a single machine needs nothing more (tasks.py).
    cfg["TASK_QUEUE_URL"] = (env.get("TASK_QUEUE_URL") or env.get("REDIS_URL")
                             or f"sqlite:///{Path(instance_path) / 'tasks.db'}")
    # Finished exports: outside static/, served only through the ledgers' download route.
    cfg["EXPORT_DIR"] = env.get("EXPORT_DIR") or str(Path(instance_path) / "exports")
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
    # The cost of photo intake, bounded per request and per worker process (issue 9): a step
    # takes at most this many photos and this many decoded pixels (JPEG counted at the reduced
    # scale it is decoded at). Decoding runs in PHOTO_DECODE_CONCURRENCY processes per web
    # process at a lower CPU priority (photos/decoder.py); PHOTO_DECODE_QUEUE more uploads may
    # wait for them, and any beyond are refused at once with 503 and Retry-After, so uploads
    # never hold every web thread. Keep running + waiting below the web threads (4 per worker).
    PHOTO_MAX_PER_REQUEST = 10
    PHOTO_REQUEST_PIXELS = 100_000_000
    PHOTO_DECODE_CONCURRENCY = 2
    PHOTO_DECODE_QUEUE = 1
    PHOTO_DECODE_NICE = 10  # added to the decode processes' niceness
    PHOTO_DECODE_TIMEOUT = 60  # seconds a request waits for its decode before a 503
    PHOTO_BUSY_RETRY_AFTER = 5  # seconds, sent with that 503
    # A major hazard's close-out documents (评估报告, 复产申请): PDF, JPEG or PNG, kept as uploaded.
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    DOCUMENT_MAX_FILES = 10  # per step (a report photographed page by page)
    IMPORT_MAX_ROWS = 10_000  # a larger register is split; keeps one request well under a minute
    # Days to fix a finding, by hazard level (configurable per deployment).
    HAZARD_DEADLINE_DAYS = {"general": 15, "major": 60}
    # Major hazards (16号令, plan item 13): 督办 proposed at "confirmation" or only when "overdue";
    # the authority's on-site review within this many days of the rectification (第23条).
    MAJOR_SUPERVISION_PROPOSE = "confirmation"
    MAJOR_REVIEW_DAYS = 10
    # Extensions (延期): asked for before the deadline; at most this many approved per hazard
    # and this many days in total.
    EXTENSION_MAX_COUNT = 2
    EXTENSION_MAX_DAYS = 90
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
    # Wrong passwords/PINs: a lock per (account, client address) after LOGIN_MAX_FAILURES, and a
    # whole-account lock (the user and the admins are told) after ACCOUNT_MAX_FAILURES from all
    # addresses together; an admin can lift it early (auth/lockout.py).
    LOGIN_MAX_FAILURES = 5
    # Werkzeug's method for password and PIN hashes (and the dummy an unknown name costs).
    # Tests use a cheap one; a stored hash keeps the method it was made with.
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_LOCK_MINUTES = 15
    LOGIN_FAILURE_WINDOW_MINUTES = 15  # an address's count starts again after this long quiet
    ACCOUNT_MAX_FAILURES = 50
    ACCOUNT_LOCK_MINUTES = 60
    # Requests per client address (Flask-Limiter syntax; see throttle.py). Generous enough for
    # a site office or a mobile carrier's shared address; a flood stops after a few seconds.
    SIGN_IN_RATE_LIMIT = "20 per minute; 200 per hour"  # password and PIN logins together
    ANONYMOUS_FORM_RATE_LIMIT = "30 per minute"  # every other form that needs no login
    CHECKIN_RATE_LIMIT = "60 per 10 minutes"  # PIN check-ins on a leader's shared phone
    RATELIMIT_STORAGE_URI = "memory://"
    TASK_QUEUE_NAME = "inspect"  # Huey's name: the key prefix in Redis
    # A ledger export up to this many rows is written in the request (about a second); a larger
    # one is queued and downloaded when ready (ledgers/jobs.py).
    EXPORT_INLINE_MAX_ROWS = 2000
    EXPORT_STALE_MINUTES = 15  # a running export with no progress for this long is restarted
    RATELIMIT_KEY_PREFIX = "inspect"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: limit per process, never fail
    PROXY_COUNT = 0  # reverse proxies in front that set X-Forwarded-For (client address)
    # Dates a form or filter accepts (forms.Date); outside it a date is refused, not computed on.
    DATE_MIN = "1900-01-01"
    DATE_MAX = "2100-12-31"
    # Static URLs carry a content hash (see web.static_url), so browsers may keep them a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    COMPRESS_ALGORITHM = ["br", "gzip", "deflate"]
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml"]

    # Enterprise self-management (enterprise/schedule.py holds the rule that reads these).
    # High-risk industries (危险化学品, 燃气, 金属冶炼) by site type, and by feature (粉尘涉爆,
    # 涉氨制冷, 有限空间) or risk colour: their principal leads a check every month, not quarter.
    ENTERPRISE_HIGH_RISK_TYPES = ("HAZ", "GASU", "GASOP", "MET", "NF")
    ENTERPRISE_HIGH_RISK_FEATURES = ("DUST", "NH3", "CS")
    ENTERPRISE_HIGH_RISK_COLORS = ("red",)
    # Periods: day | week | month | quarter | half | year.
    PRINCIPAL_CHECK_PERIOD = {"high_risk": "month", "other": "quarter"}
    STAFF_CHECK_PERIOD = "month"
    # One check counts once, for the duty it was started as. True: a principal-led check also
    # stands for that period's staff check (one check, two duties).
    PRINCIPAL_CHECK_COVERS_STAFF_CHECK = False
    # 防火检查 monthly for companies (61号令 第26条); "ALL" = every enterprise.
    FIRE_INSPECTION_TYPES = ("ALL",)
    FIRE_INSPECTION_PERIOD = "month"
    # 防火巡查 daily for fire-safety key units (61号令 第25条): these types or features.
    FIRE_PATROL_TYPES = ("PDP", "WH", "MIX", "HAZ")
    # Drills yearly; half-yearly for high-risk enterprises and these crowded/construction types.
    DRILL_PERIOD = {"high_risk": "half", "other": "year"}
    DRILL_HALF_YEARLY_TYPES = ("PDP", "MIX", "CON")
    # Remind this many days before a period ends (and when overdue); None: no reminders.
    SELF_CHECK_REMIND_DAYS = {"day": None, "week": 2, "month": 7, "quarter": 15, "half": 30,
                              "year": 30}
    # Standardization self-assessment: None = the rule file's own pass mark (std-small: 60).
    STANDARD_PASS_MARK = None
    STANDARD_DEFAULT_PASS_MARK = 60
    STANDARD_MAJOR_VETO = True  # a failed major-hazard item fails the assessment
    # Training hours by position (安监总局令第3号): initial, then yearly refresher.
    TRAINING_REQUIRED_HOURS = {
        "principal": {"initial": 32, "refresher": 12},
        "safety_manager": {"initial": 32, "refresher": 12},
    }
    # The zone plan (2024–2026): targets the supervisors' overview counts against.
    PLAN_START = "2024-01-01"
    PLAN_TARGETS = {"new_graded": 2, "model_posts": 12}
    # Major hazards found on or before this day (in the zone) are the stock (存量), later ones
    # the increment (增量) — the three-year plan's split (安委〔2024〕2号).
    MAJOR_STOCK_CUTOFF = "2023-12-31"
    # The plan's three targets as the zone reads them (ledgers/stats.py; shown on the page).
    MAJOR_TARGETS = {
        "stock_cleared": {"closed_by": "2024-12-31"},  # found by MAJOR_STOCK_CUTOFF
        "increment_curbed": {"year": 2025, "baseline_year": 2024},  # fewer found than baseline
        "dynamic_zero": {"from": "2026-01-01", "due": "2026-12-31"},  # each closed in time
    }
    # The dashboard reads the task queue's count (ledgers/summary.py, made every five minutes and
    # after each change) only if it is at most this old; else it counts live (queue stopped).
    MAJOR_SUMMARY_MAX_MINUTES = 15
    SMS_MAX_ATTEMPTS = 3  # a failed text is retried by the next cron runs up to this many times
    SMS_TIMEOUT = 10  # seconds per gateway call
    LEDGER_PAGE_SIZE = 50  # rows per screen of a list; "More" appends the next screen
    LEDGER_PRINT_MAX_ROWS = 2000  # a print view beyond this points to the xlsx export
