"""Sealing of sync packages and batches.

A package (central → node) and a batch (node → central) travel as an *envelope*:

    BUJIAN-SYNC/1 <kind> <node uuid>\n<Fernet token>

The token is the JSON body, compressed, encrypted with AES-128-CBC and signed with
HMAC-SHA256 (Fernet, from ``cryptography``). A package is sealed with a key derived
from the one-time pairing code, so a package file on a USB stick is useless without
the code; a batch with the node's secret, which only central and that node know. A
changed, cut or foreign envelope fails the signature check before anything is read.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.utils.translation import gettext as _

from bujian.core.errors import DomainError

MAGIC = "BUJIAN-SYNC/1"
PACKAGE = "package"
BATCH = "batch"
# Crockford-like alphabet (no 0/O, 1/I/L): a code read over the phone survives.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class SyncRefused(DomainError):
    """A package, batch or file central or the node will not take. Nothing was written."""


def new_secret() -> str:
    return secrets.token_hex(32)


def new_pairing_code() -> str:
    """12 characters in three groups (about 59 bits), e.g. ``K7QM-2XHD-9TRA``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else raw


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _fernet_from_code(code: str) -> Fernet:
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=b"bujian-package", iterations=200_000
    )
    return Fernet(base64.urlsafe_b64encode(kdf.derive(normalise_code(code).encode())))


def _fernet_from_secret(secret: str) -> Fernet:
    key = hashlib.sha256(b"bujian-batch:" + bytes.fromhex(secret)).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def digest(data: Any) -> str:
    """The fingerprint of one record's content, the same on every machine."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _seal(kind: str, node_uuid: str, body: dict[str, Any], fernet: Fernet) -> bytes:
    raw = orjson.dumps(body)
    token = fernet.encrypt(zlib.compress(raw, 6))
    return f"{MAGIC} {kind} {node_uuid}\n".encode() + token


def seal_package(node_uuid: str, code: str, body: dict[str, Any]) -> bytes:
    return _seal(PACKAGE, node_uuid, body, _fernet_from_code(code))


def seal_batch(node_uuid: str, secret: str, body: dict[str, Any]) -> bytes:
    return _seal(BATCH, node_uuid, body, _fernet_from_secret(secret))


def read_header(envelope: bytes) -> tuple[str, str]:
    """(kind, node uuid) of an envelope, before its signature is checked."""
    head, _sep, _token = envelope.partition(b"\n")
    parts = head.decode("ascii", errors="replace").split(" ")
    if len(parts) != 3 or parts[0] != MAGIC or parts[1] not in {PACKAGE, BATCH}:
        raise SyncRefused(
            "sync.not_an_envelope",
            _("This is not a Bujian sync file or batch (its first line is wrong)."),
        )
    return parts[1], parts[2]


def _open(envelope: bytes, expected_kind: str, fernet: Fernet) -> dict[str, Any]:
    kind, node_uuid = read_header(envelope)
    if kind != expected_kind:
        raise SyncRefused(
            "sync.wrong_kind",
            _("Expected a %(expected)s, got a %(kind)s.")
            % {"expected": expected_kind, "kind": kind},
        )
    token = envelope.partition(b"\n")[2]
    try:
        raw = zlib.decompress(fernet.decrypt(token))
        body = orjson.loads(raw)
    except (InvalidToken, zlib.error, ValueError) as error:
        raise SyncRefused(
            "sync.bad_signature",
            _(
                "The signature does not match: the data was changed, cut short, or sealed "
                "for another field node or pairing code. Nothing was saved."
            ),
        ) from error
    if not isinstance(body, dict) or body.get("node") != node_uuid:
        raise SyncRefused(
            "sync.wrong_node",
            _("The data names another field node than its envelope. Nothing was saved."),
        )
    return body


def open_package(envelope: bytes, code: str) -> dict[str, Any]:
    return _open(envelope, PACKAGE, _fernet_from_code(code))


def open_batch(envelope: bytes, secret: str) -> dict[str, Any]:
    return _open(envelope, BATCH, _fernet_from_secret(secret))
