"""A throwaway Synapse homeserver on 127.0.0.1 for tests that need a real Matrix server.

Each server lives in its own directory (SQLite database, media store, signing key,
log), listens only on loopback, and has federation, key servers, stats and URL
previews off so that it never reaches the internet. Our own HTTP clients ignore
proxy variables, which would otherwise send loopback requests to a proxy.
"""

import hashlib
import hmac
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from signedjson.key import generate_signing_key, write_signing_keys

SERVER_NAME = "partywire.test"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 40
PORT_ATTEMPTS = 3

# Tests send bursts that a production server would throttle; only a test that is
# about throttling should see a 429, and it asks for its own limits.
_UNLIMITED = {"per_second": 10_000, "burst_count": 100_000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_login": {
        "address": _UNLIMITED,
        "account": _UNLIMITED,
        "failed_attempts": _UNLIMITED,
    },
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_invites": {
        "per_room": _UNLIMITED,
        "per_user": _UNLIMITED,
        "per_issuer": _UNLIMITED,
    },
    "rc_room_creation": _UNLIMITED,
    "rc_admin_redaction": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_profile": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_reports": _UNLIMITED,
}


class SynapseStartError(RuntimeError):
    """Synapse exited or did not answer in time; the message carries its log tail."""


class PortTakenError(SynapseStartError):
    """Another process bound the port between picking it and Synapse starting."""


class Registration(NamedTuple):
    user_id: str
    access_token: str
    device_id: str


@dataclass(frozen=True)
class Synapse:
    """A running homeserver and the means to create accounts on it."""

    base_url: str
    server_name: str
    directory: Path
    log_path: Path
    registration_shared_secret: str

    async def register(
        self, localpart: str, password: str = "password", admin: bool = False
    ) -> Registration:
        """Create an account through the shared-secret admin API.

        This is the one way in that needs no open registration and no login
        round trip: the answer already holds an access token and a device.
        """
        url = f"{self.base_url}/_synapse/admin/v1/register"
        async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
            nonce_response = await client.get(url)
            nonce_response.raise_for_status()
            nonce = nonce_response.json()["nonce"]
            mac = hmac.new(
                self.registration_shared_secret.encode(),
                b"\x00".join(
                    [
                        nonce.encode(),
                        localpart.encode(),
                        password.encode(),
                        b"admin" if admin else b"notadmin",
                    ]
                ),
                hashlib.sha1,
            ).hexdigest()
            response = await client.post(
                url,
                json={
                    "nonce": nonce,
                    "username": localpart,
                    "password": password,
                    "admin": admin,
                    "mac": mac,
                },
            )
        response.raise_for_status()
        body = response.json()
        return Registration(body["user_id"], body["access_token"], body["device_id"])


def homeserver_config(
    directory: Path, port: int, shared_secret: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Build homeserver.yaml; each top-level key in `overrides` replaces the default."""
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {
            "name": "sqlite3",
            "args": {"database": str(directory / "homeserver.db")},
        },
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": shared_secret,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "bcrypt_rounds": 4,
        "enable_registration": False,
        **RATE_LIMITS,
    }
    return config | overrides


@contextmanager
def run_synapse(directory: Path, **overrides: Any) -> Iterator[Synapse]:
    """Start a homeserver in `directory`, yield it once it answers, stop it on exit.

    `overrides` are top-level homeserver.yaml keys, e.g.
    `rc_message={"per_second": 0.1, "burst_count": 2}` for a server that throttles.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "media_store").mkdir(exist_ok=True)
    with (directory / "signing.key").open("w") as stream:
        write_signing_keys(stream, [generate_signing_key("a_" + secrets.token_hex(2))])
    shared_secret = secrets.token_hex(32)
    log_path = directory / "homeserver.log"
    process, base_url = _start(directory, shared_secret, overrides, log_path)
    try:
        yield Synapse(base_url, SERVER_NAME, directory, log_path, shared_secret)
    finally:
        _stop(process)


def _start(
    directory: Path, shared_secret: str, overrides: dict[str, Any], log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """Start Synapse and wait until it answers, retrying only a lost port race.

    The port is free when picked, but another process can bind it before Synapse
    does; that is the one failure a new port fixes.
    """
    for _ in range(PORT_ATTEMPTS - 1):
        with suppress(PortTakenError):
            return _start_on_free_port(directory, shared_secret, overrides, log_path)
    return _start_on_free_port(directory, shared_secret, overrides, log_path)


def _start_on_free_port(
    directory: Path, shared_secret: str, overrides: dict[str, Any], log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    config = homeserver_config(directory, port, shared_secret, overrides)
    (directory / "homeserver.yaml").write_text(json.dumps(config, indent=2))
    base_url = f"http://127.0.0.1:{port}"
    process = _spawn(directory, log_path)
    try:
        _wait_until_ready(process, base_url, log_path)
    except BaseException:
        _stop(process)
        raise
    return process, base_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(directory: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Run the homeserver from this interpreter so it uses the venv's Synapse.

    Without a log_config Synapse logs to stderr; sending both streams to one file
    also keeps the config errors it prints before logging is set up.
    """
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "--config-path",
                str(directory / "homeserver.yaml"),
            ],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log_tail = _log_tail(log_path)
                error = (
                    PortTakenError if "Address already in use" in log_tail else SynapseStartError
                )
                raise error(
                    f"Synapse exited with code {process.returncode}; {log_path}:\n{log_tail}"
                )
            try:
                if client.get(f"{base_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise SynapseStartError(
        f"Synapse did not answer on {base_url} within {STARTUP_TIMEOUT:.0f}s; "
        f"{log_path}:\n{_log_tail(log_path)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _log_tail(log_path: Path) -> str:
    lines = log_path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])
