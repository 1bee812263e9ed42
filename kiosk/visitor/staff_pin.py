"""Staff PIN: stored only as a salted PBKDF2-HMAC-SHA256 hash, checked in constant time.

Each check costs ITERATIONS rounds on purpose (about 0.15 s on a 2-core x86 server, see
benchmarks/pin_check.py): slow for someone guessing offline from a copied settings file,
and never felt on screen because the kiosk checks on a worker thread
(kiosk.visitor.staff_store). Hashes made with another count keep working: the count is
stored in the hash.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import sys

ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256


def hash_pin(pin: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256" or not 1 <= rounds <= 10_000_000:
        return False
    candidate = hash_pin(pin, salt, rounds).rsplit("$", 1)[1]
    return hmac.compare_digest(candidate, digest)


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 12


def pin_command(pin: str | None) -> int:
    if pin is None:
        pin = getpass.getpass("Staff PIN (4 to 12 digits): ")
    if not valid_pin(pin):
        print("run_kiosk.py: error: a PIN is 4 to 12 digits", file=sys.stderr)
        return 2
    print("Put this line under `staff:` in config/kiosk.yaml:")
    print(f'  pin_hash: "{hash_pin(pin)}"')
    return 0
