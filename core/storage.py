"""Private file storage outside the web root (``STORAGE_DIR``), addressed by storage keys
(relative POSIX paths). Files are only ever served by views that checked who may see them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app


class StorageError(ValueError):
    pass


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


def root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]).resolve()


def path_for(key: str) -> Path:
    """The absolute path of ``key``; refuses anything that would leave the storage root."""
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise StorageError(f"bad storage key {key!r}")
    base = root()
    target = (base / Path(*pure.parts)).resolve()
    if base not in target.parents:
        raise StorageError(f"bad storage key {key!r}")
    return target


def save(key: str, data: bytes) -> Stored:
    target = path_for(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)  # atomic: a reader never sees half a file
    return Stored(key, len(data), hashlib.sha256(data).hexdigest())


def read(key: str) -> bytes:
    return path_for(key).read_bytes()
