"""The configuration file, checked whole at start.

`load_config` returns frozen dataclasses. A wrong key or value fails at once with a
message naming its dotted key, so an operator never learns of a typo hours later.
`${VAR}` (or `${VAR:-default}`) in any string is replaced from the environment, so
secrets need not be written in the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml


class ConfigError(ValueError):
    """The configuration is wrong; the message names the key and what is expected."""


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "data/partywire.sqlite3"
    """Relative paths are taken from the config file's folder."""


@dataclass(frozen=True)
class ExtraParty:
    """A party the bundled directory lacks, in the directory's own shape."""

    name: str
    country: str
    abbreviations: tuple[str, ...] = ()
    native_name: str | None = None
    website: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryConfig:
    extra_parties: tuple[ExtraParty, ...] = ()
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """More names for known parties, keyed by party id or abbreviation."""


@dataclass(frozen=True)
class LoggingConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True)
class PushConfig:
    burst: int = 5
    """A chat with more new statements than this at once gets one digest message."""
    concurrency: int = 16
    """Messages in flight per platform; also the most a crash can send twice."""
    give_up_after_hours: float = 24.0
    """A message that keeps failing is marked dead after this long."""
    poll_seconds: float = 1.0
    """How often senders look for statements stored by other processes."""


@dataclass(frozen=True)
class FloodConfig:
    commands_per_minute: int = 20
    """A chat sending more commands than this in a minute is told once, then ignored..."""
    quiet_minutes: float = 2.0
    """...for this long."""


@dataclass(frozen=True)
class Broadcast:
    """A channel or room that receives statements without anyone subscribing it by command."""

    platform: Literal["telegram", "matrix"]
    chat: str
    follow: tuple[str, ...] = ("all",)
    """What it receives, named as in /subscribe: a party, a country, imcwp, all, or "words"."""


@dataclass(frozen=True)
class ListingSelectorsConfig:
    """CSS selectors that find statements on an HTML listing page."""

    item: str
    text: str | None = None
    link: str | None = None
    date: str | None = None
    next_page: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: Literal["feed", "html", "text"]
    location: str
    """A URL; for `text`, a URL or a file path."""
    interval_minutes: float = 15.0
    party: str | None = None
    """The party (id or abbreviation) whose own site this is: all its statements are its."""
    push_backlog: bool = False
    """Push what the first load finds, instead of only storing it."""
    selectors: ListingSelectorsConfig | None = None
    """Required for `html` sources."""
    max_pages: int = 1
    """Listing pages followed on the first load."""


@dataclass(frozen=True)
class HttpConfig:
    timeout_seconds: float = 30.0
    max_body_megabytes: float = 5.0
    alert_after_hours: float = 6.0
    """Operators are told in chat when a source has failed for this long."""


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    """The public HTTPS address Telegram posts updates to."""
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    """A local Bot API server's address, or the tests' fake one."""
    base_file_url: str = "https://api.telegram.org/file/bot"
    operators: tuple[int, ...] = ()
    """User ids who may subscribe channels and see /status."""
    webhook: WebhookConfig | None = None
    """Receive updates by webhook instead of long polling."""
    messages_per_second: float = 30.0
    """The whole bot's pace; Telegram allows up to 1000 with paid broadcasts on."""
    paid_broadcasts: bool = False
    private_messages_per_second: float = 1.0
    group_messages_per_minute: float = 20.0
    link_previews: bool = False
    """Whether statement links show a preview, unless a chat's /settings says otherwise."""


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    """Either a password (used once; the session is then kept in the database) or a token."""
    device_name: str = "Partywire"
    command_prefix: str = "!"
    invite_policy: Literal["anyone", "listed"] = "anyone"
    """Whose invitations to accept: anyone's, or only those of `invite_users`/`invite_servers`."""
    invite_users: tuple[str, ...] = ()
    invite_servers: tuple[str, ...] = ()
    settings_power_level: int = 50
    """The power level a room member needs to change the room's subscriptions."""
    operators: tuple[str, ...] = ()
    room_messages_per_second: float = 1.0
    encryption: bool = False
    """End-to-end encrypted rooms; needs `pip install partywire[e2e]`."""
    store_path: str = "data/matrix-store"
    """Where encryption keys are kept (relative to the config file's folder)."""


@dataclass(frozen=True)
class HttpEndpointConfig:
    enabled: bool = False
    host: str = "127.0.0.1"
    """Local only by default: /metrics and /healthz are for the operator's own tools."""
    port: int = 8080
    """0 picks any free port (logged at start)."""


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    directory: DirectoryConfig = field(default_factory=DirectoryConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    push: PushConfig = field(default_factory=PushConfig)
    flood: FloodConfig = field(default_factory=FloodConfig)
    broadcasts: tuple[Broadcast, ...] = ()
    telegram: TelegramConfig | None = None
    matrix: MatrixConfig | None = None
    sources: tuple[SourceConfig, ...] = ()
    http: HttpConfig = field(default_factory=HttpConfig)
    endpoint: HttpEndpointConfig = field(default_factory=HttpEndpointConfig)
    path: Path | None = field(default=None, metadata={"internal": True})
    """The file this came from, if any."""

    def resolve(self, relative: str) -> Path:
        """A path from the config, taken from the config file's folder when relative."""
        candidate = Path(relative).expanduser()
        if candidate.is_absolute() or self.path is None:
            return candidate
        return self.path.parent / candidate

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database.path)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a log line."""
        found = []
        if self.telegram:
            found.append(self.telegram.token)
            if self.telegram.webhook:
                found.append(self.telegram.webhook.secret_token)
        if self.matrix:
            found += [self.matrix.password, self.matrix.access_token]
        return tuple(secret for secret in found if secret)


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read, substitute and check a config file; no file means every default."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if data is None:
        data = {}
    data = _substitute(data, os.environ if environ is None else environ, "")
    config = build(Config, data, "")
    return dataclasses.replace(config, path=path.resolve())


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _substitute(value: Any, environ: Mapping[str, str], key: str) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, environ, _join(key, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, environ, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.groups()
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{key}: environment variable {name} is not set")

    return _VARIABLE.sub(replace, value)


def _join(key: str, name: object) -> str:
    return f"{key}.{name}" if key else str(name)


def build(kind: Any, value: Any, key: str) -> Any:
    """Check `value` against the type `kind` and build it, naming `key` on any mismatch."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        return _build_dataclass(kind, value, key)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return build(option, value, key)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[0])
    if origin is Literal:
        allowed = typing.get_args(kind)
        if value not in allowed:
            raise ConfigError(
                f"{key}: expected one of {', '.join(map(str, allowed))}, got {value!r}"
            )
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {_name(value)}")
        (item,) = typing.get_args(kind)[:1]
        return tuple(build(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {_name(value)}")
        _, item = typing.get_args(kind)
        return {str(k): build(item, v, _join(key, k)) for k, v in value.items()}
    return _build_scalar(kind, value, key)


def _build_scalar(kind: Any, value: Any, key: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"{key}: expected {_WORDS.get(kind, kind.__name__)}, got {_name(value)}")
    return value


_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _build_dataclass(kind: Any, value: Any, key: str) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{key or 'the file'}: expected a mapping, got {_name(value)}")
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind) if not f.metadata.get("internal")}
    unknown = sorted(set(map(str, value)) - set(fields))
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{_join(key, unknown[0])}: unknown key (known here: {known})")
    arguments = {}
    for name, spec in fields.items():
        if name in value:
            arguments[name] = build(hints[name], value[name], _join(key, name))
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{_join(key, name)}: missing (required)")
    return kind(**arguments)
