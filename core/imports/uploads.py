"""Starting an import from a file uploaded in the contact center.

The upload is streamed to the private storage (Werkzeug spools large parts to disk, and
``FileStorage.save`` copies in blocks), checked to be UTF-8 text, recorded by
:func:`.service.begin` and queued as a job: an RQ worker with ``REDIS_URL``, inline after the
request's commit otherwise. The same file uploaded again for the same Ente is not imported
twice: the existing import is returned and the new copy removed.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from core import storage
from core.accounts import StaffPrincipal
from core.contact.intake import sanitize_filename
from core.models import Ente

from . import service
from .fields import LANGUAGES
from .service import ImportRefused, Started

EXTENSIONS = (".csv", ".txt", ".json", ".jsonl", ".ndjson")


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end is fine
        return error.start >= len(head) - 3
    return True


def start_upload(ente: Ente, upload: FileStorage, fmt: str | None,
                 actor: StaffPrincipal) -> Started:
    """Store the upload, record the import and queue its job (flushes, never commits)."""
    name = sanitize_filename(upload.filename, "import.csv")
    if not name.lower().endswith(EXTENSIONS):
        raise ImportRefused(_("Send a CSV, JSON or JSON Lines file."))
    key = f"imports/{ente.code}/uploads/{uuid.uuid4().hex}/{name}"
    path = storage.path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.save(path)
    try:
        if not _looks_like_text(path):
            raise ImportRefused(_("The file is not UTF-8 text."))
        lang = actor.preferred_language if actor.preferred_language in LANGUAGES else "it"
        started = service.begin(ente, path, fmt=fmt or None, filename=name, storage_key=key,
                                lang=lang, created_by=f"staff:{actor.id}", actor_type="staff",
                                actor_id=actor.id)
    except ImportRefused:
        path.unlink(missing_ok=True)
        raise
    if started.created:
        service.schedule(started.run)
    else:
        path.unlink(missing_ok=True)
    return started
