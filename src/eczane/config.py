"""Settings: declared once, parsed strictly, built in ``main`` and passed down.

Each setting is read from an environment variable ``ECZANE_<NAME>``; a bad value is an error,
never a silent default. ``tests/test_config.py`` checks every setting is documented in the README.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has a value we cannot use."""


def _bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in {"1", "true", "yes", "on", "evet"}:
        return True
    if low in {"0", "false", "no", "off", "hayir", "hayır"}:
        return False
    raise SettingsError(f"not a boolean: {raw!r}")


def _int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"not an integer: {raw!r}") from None


def _positive_int(raw: str) -> int:
    value = _int(raw)
    if value < 1:
        raise SettingsError(f"must be at least 1: {raw!r}")
    return value


def _positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"not a number: {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"must be more than 0: {raw!r}")
    return value


def _float(raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise SettingsError(f"not a number: {raw!r}") from None


def _nice(raw: str) -> int:
    value = _int(raw)
    if not 0 <= value <= 19:
        raise SettingsError(f"must be between 0 and 19: {raw!r}")
    return value


def _log_format(raw: str) -> str:
    value = raw.strip()
    if value not in ("text", "json"):
        raise SettingsError(f"must be text or json: {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Every setting of the app, with its default and help text (``metadata['help']``)."""

    data_dir: Path = field(
        default=Path("var"),
        metadata={"help": "Folder for the SQLite database, backups and uploads.", "parse": Path},
    )
    database_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL. Empty: SQLite file data_dir/eczane.sqlite3. "
                  "PostgreSQL: postgresql+psycopg://user:pw@host/db", "parse": str},
    )
    migrate_database_url: str = field(
        default="",
        metadata={"help": "Hosted PostgreSQL: URL of the schema owner the migrations run as; "
                  "database_url is then the restricted app role (row-level security). "
                  "Empty: migrations run as database_url.", "parse": str},
    )
    secret_key: str = field(
        default="",
        metadata={"help": "Key for session cookies and for encrypting İTS credentials at rest. "
                  "Empty: a random key is generated once into data_dir/secret.key.", "parse": str},
    )
    its_url: str = field(
        default="http://127.0.0.1:8100",
        metadata={"help": "Base URL of İTS (or of the bundled İTS simulator).", "parse": str},
    )
    its_batch_size: int = field(
        default=100,
        metadata={"help": "Packs per İTS notification request.", "parse": _int},
    )
    its_timeout_s: int = field(
        default=30,
        metadata={"help": "Seconds before an İTS request is given up (and its packs re-checked).",
                  "parse": _int},
    )
    reconcile_max_age_days: int = field(
        default=0,
        metadata={"help": "Age in days a reconciliation may have for a deactivation to be sent "
                  "(0 = the same day; İTS may lag, seed 000).", "parse": _int},
    )
    demo: bool = field(
        default=False,
        metadata={"help": "Seed a demo pharmacy with users and packs on start.", "parse": _bool},
    )
    max_upload_mb: int = field(
        default=100,
        metadata={"help": "Largest upload (and request body) in MB; a bigger one is refused while "
                  "it arrives (413), nothing stored.", "parse": _positive_int},
    )
    secure_cookies: bool = field(
        default=False,
        metadata={"help": "Mark every cookie Secure (set when served over HTTPS).", "parse": _bool},
    )
    api_docs: bool = field(
        default=False,
        metadata={"help": "Serve the OpenAPI schema at /openapi.json (development only).",
                  "parse": _bool},
    )
    production: bool = field(
        default=False,
        metadata={"help": "Production mode: refuse to start with demo accounts/passwords or "
                  "without ECZANE_SECRET_KEY; data folder 0700, files 0600.", "parse": _bool},
    )
    session_idle_minutes: int = field(
        default=120,
        metadata={"help": "Minutes without a request after which a login session ends.",
                  "parse": _int},
    )
    session_cache_s: float = field(
        default=5.0,
        metadata={"help": "Seconds an app process reuses a login session it checked (the scan "
                  "API takes a scan every second or two from each device). Logout, a password "
                  "change or a disabled account is seen at once by the process that made it and "
                  "within this many seconds by the others (`serve --workers N`, the CLI).",
                  "parse": _positive_float},
    )
    session_max_hours: int = field(
        default=12,
        metadata={"help": "Hours after login at which a session ends however active it is.",
                  "parse": _int},
    )
    login_lockout_after: int = field(
        default=10,
        metadata={"help": "Consecutive failed logins that lock an account (an address: 5 times "
                  "as many); from the 4th failure each try waits 1, 2, 4… s.", "parse": _int},
    )
    login_lockout_minutes: int = field(
        default=15,
        metadata={"help": "Minutes a locked account or address stays locked (a pharmacist can "
                  "unlock a user earlier).", "parse": _int},
    )
    log_format: str = field(
        default="text",
        metadata={"help": "Log lines of `serve`, `run` and `worker`: text, or json (one JSON "
                  "object per line: each HTTP request and each worker event).",
                  "parse": _log_format},
    )
    worker_poll_s: float = field(
        default=1.0,
        metadata={"help": "Seconds the sending worker (`eczane worker`) waits between looks for "
                  "due İTS batches when it found none.", "parse": _positive_float},
    )
    worker_stale_s: int = field(
        default=60,
        metadata={"help": "Readiness (/saglik/hazir) fails when no sending worker was seen for "
                  "this many seconds.", "parse": _positive_int},
    )
    import_process_mb: float = field(
        default=2.0,
        metadata={"help": "İTS stock and karekod list files of at least this many MB are imported "
                  "in a child process at lower CPU priority (ECZANE_BACKGROUND_NICE), so that the "
                  "web process keeps answering scans. 0: every file; negative: never (in the web "
                  "process).", "parse": _float},
    )
    background_nice: int = field(
        default=10,
        metadata={"help": "Niceness (0-19) the import child process and `eczane worker` take at "
                  "start: a lower CPU priority than the web processes. 0: unchanged; a process "
                  "already nicer keeps its own.", "parse": _nice},
    )
    chromium: str = field(
        default="",
        metadata={"help": "Chromium or Chrome that prints the PDF report (path or command name). "
                  "Empty: chromium, google-chrome… found on PATH (Windows: Chrome or Edge). "
                  "Debian/Ubuntu: apt install chromium.", "parse": str},
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``ECZANE_*`` variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("ECZANE_" + f.name.upper())
            if raw is not None:
                try:
                    values[f.name] = f.metadata["parse"](raw)
                except SettingsError as exc:
                    raise SettingsError(f"ECZANE_{f.name.upper()}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'eczane.sqlite3').resolve()}"

    def resolved_secret_key(self) -> bytes:
        """The secret key; generated once into ``data_dir/secret.key`` when not set."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 from the start: never readable by others, not even for a moment.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(os.urandom(32).hex())
        return path.read_text().strip().encode()


SETTINGS_DOC = {f.name: f.metadata["help"] for f in fields(Settings)}
