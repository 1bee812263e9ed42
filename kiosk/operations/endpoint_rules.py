"""When the HTTP status endpoint refuses its settings: one rule for `validate` and start-up.

Kept apart from the server (no http.server import) so the settings reader can use it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MIN_TOKEN_CHARS = 16
TOKEN_HOW = "`python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`"


@dataclass(frozen=True)
class Refusal:
    """Why the endpoint will not start; `key` names the setting to point at."""

    key: str  # "host", "token" or "port"
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name or "" (all addresses): treat as reachable from outside


def refusal(host: str, port: int, token: str | None) -> Refusal | None:
    """None when the endpoint may start with these settings."""
    if not 0 <= port <= 65535:
        return Refusal("port", f"port {port} is out of range", "use 1 to 65535, or 0 for off")
    if is_loopback(host):
        return None
    where = f"{host or 'all addresses'}:{port}"
    if not token:
        return Refusal("host", f"the status endpoint on {where} is reachable from the "
                       "network and needs a token",
                       f"set `token:` to a secret, e.g. the output of {TOKEN_HOW}, "
                       "or bind to 127.0.0.1")
    if len(token) < MIN_TOKEN_CHARS:
        return Refusal("token", f"the status endpoint token is too short: {len(token)} "
                       "characters", f"use at least {MIN_TOKEN_CHARS}, e.g. the output of "
                       f"{TOKEN_HOW}")
    return None
