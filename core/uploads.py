"""Citizen uploads, never trusted: the type is read from the content (magic bytes), not from
the name or the browser's content type; size and count are limited; the name is sanitised;
files are stored outside the web root under a key and served only by views that checked who
may see them.

:func:`check_files` validates a whole batch before anything is stored, so a rejected upload
leaves nothing behind; :func:`store` then writes the accepted files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from core import storage
from core.contact.intake import sanitize_filename

# Content signatures of the types citizens may send. A PDF may start after a few bytes of
# junk (Acrobat tolerates up to 1024); we require it in the first 1024 bytes.
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
DEFAULT_MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class UploadError(ValueError):
    """A translated, user-facing reason for refusing an upload."""


@dataclass(frozen=True)
class Upload:
    filename: str
    kind: str  # "pdf" | "jpeg" | "png"
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The kind of ``data`` from its first bytes, or ``None`` when it is none we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return (int(cfg.get("UPLOAD_MAX_FILES", DEFAULT_MAX_FILES)),
            int(cfg.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)))


def check_files(files: Iterable, allowed: Iterable[str] = ("pdf", "jpeg", "png"),
                already: int = 0) -> list[Upload]:
    """Validate uploaded files (werkzeug ``FileStorage`` or anything with ``filename`` and
    ``read()``). Empty file inputs are skipped. Raises :class:`UploadError` with a message in
    the user's language naming the offending file."""
    max_files, max_bytes = _limits()
    allowed = tuple(allowed)
    accepted: list[Upload] = []
    for index, item in enumerate(files, start=1):
        name = getattr(item, "filename", None) or ""
        if not name:
            continue
        data = item.read(max_bytes + 1)
        fallback = f"file-{index}"
        safe = sanitize_filename(name, fallback)
        if not data:
            raise UploadError(_("The file %(name)s is empty.", name=safe))
        if len(data) > max_bytes:
            raise UploadError(_("The file %(name)s is larger than %(size)s MB.",
                                name=safe, size=max_bytes // (1024 * 1024)))
        kind = sniff(data)
        if kind not in allowed:
            raise UploadError(_("The file %(name)s is not a PDF, JPEG or PNG file.", name=safe))
        content_type, ext = KINDS[kind]
        stem = safe.rsplit(".", 1)[0] if "." in safe else safe
        accepted.append(Upload(f"{stem}{ext}", kind, content_type, data))
        if already + len(accepted) > max_files:
            raise UploadError(_("You can attach at most %(count)s files.", count=max_files))
    return accepted


def store(prefix: str, uploads: Iterable[Upload]) -> list[tuple[Upload, storage.Stored]]:
    """Write accepted uploads under ``prefix/<sha256 prefix>-<name>``; returns what was stored."""
    stored = []
    for upload in uploads:
        key = f"{prefix.strip('/')}/{upload.sha256[:16]}-{upload.filename}"
        stored.append((upload, storage.save(key, upload.data)))
    return stored


def discard(keys: Iterable[str]) -> None:
    """Remove stored files (after a failed transaction) — missing files are ignored."""
    for key in keys:
        try:
            storage.path_for(key).unlink(missing_ok=True)
        except storage.StorageError:
            continue
