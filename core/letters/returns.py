"""Return receipts (avviso di ricevimento) of registered letters — national raccomandata A/R
and international registered mail under the Strasbourg convention: the scan is stored and the
delivery recorded on the verbale's timeline.

:func:`record_return_receipt` checks the scan (:func:`core.uploads.check_files`: PDF, JPEG or
PNG by content, size limit), checks the delivery date (not in the future, not before the letter
was printed), stores the scan in private storage and records, for the envelope's
:class:`~core.models.PostalItem`:

* a :class:`~core.models.NotificationEvent` ``delivered`` on that date, and
* for the formal acts (verbale, ingiunzione), a ``perfected`` event with ``perfected_on`` =
  the delivery date: for post, notification is perfected for the recipient on delivery
  (fines-law §2). The event's ``details`` carry the letter id and kind; feeding the date to the
  amount windows is the notification tracking's job, which reads these events.

Everything is checked before anything is stored, so a refused receipt leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db, uploads
from core.db import utcnow
from core.models import (
    Letter,
    LetterKind,
    NotificationOutcome,
    PostalItem,
    PostalProduct,
    Verbale,
)
from core.positions import local_today

from .postal import record_event
from .tracking import ROME, noon

#: Letters whose delivery perfects a notification (their date starts legal terms).
NOTIFIED_ACTS = (LetterKind.VERBALE, LetterKind.INGIUNZIONE)


class ReceiptError(ValueError):
    """A translated, user-facing reason for refusing a return receipt."""


def awaiting(verbale_id: int) -> list[PostalItem]:
    """The verbale's registered envelopes whose return receipt is not recorded yet."""
    registered = [p.value for p in PostalProduct if p.registered]
    stmt = (select(PostalItem).where(PostalItem.verbale_id == verbale_id,
                                     PostalItem.product.in_(registered),
                                     PostalItem.receipt_storage_key.is_(None))
            .options(selectinload(PostalItem.letter)).order_by(PostalItem.id.desc()))
    return list(db.session.scalars(stmt))


def _item(verbale: Verbale, item_id: int | None, kind: str | None) -> PostalItem:
    items = awaiting(verbale.id)
    if item_id is not None:
        items = [i for i in items if i.id == item_id]
    if kind is not None:
        items = [i for i in items if str(i.letter.kind) == str(kind)]
    if not items:
        raise ReceiptError(_("No registered letter of verbale %(number)s is waiting for its "
                             "return receipt.", number=verbale.number))
    return items[0]


def record_return_receipt(verbale: Verbale, files: Iterable, delivered_on: date | None, *,
                          actor_type: str, actor_id: int | None, item_id: int | None = None,
                          kind: str | None = None, today: date | None = None) -> PostalItem:
    """Record the return receipt of one of the verbale's registered letters (the latest one
    still waiting, or ``item_id``/``kind``). ``files``: uploaded files (one scan).

    Raises :class:`ReceiptError` or :class:`core.uploads.UploadError` (translated); flushes and
    audits, the caller commits."""
    if delivered_on is None:
        raise ReceiptError(_("Enter the delivery date written on the return receipt."))
    item = _item(verbale, item_id, kind)
    today = today or local_today(verbale.ente)
    if delivered_on > today:
        raise ReceiptError(_("The delivery date cannot be in the future."))
    printed = item.created_at.astimezone(ROME).date()
    if delivered_on < printed:
        raise ReceiptError(_("The delivery date cannot precede the printing of the letter "
                             "(%(date)s).", date=printed.isoformat()))
    scans = uploads.check_files(list(files), allowed=("pdf", "jpeg", "png"))
    if len(scans) != 1:
        raise ReceiptError(_("Attach one scan of the return receipt (PDF, JPEG or PNG)."))
    [(scan, stored)] = uploads.store(f"return-receipts/{verbale.ente.code}/{verbale.id}", scans)
    letter: Letter = item.letter
    item.receipt_storage_key = stored.key
    item.receipt_sha256 = stored.sha256
    item.receipt_recorded_at = utcnow()
    item.delivered_on = delivered_on
    item.status = NotificationOutcome.DELIVERED
    details = {"source": "return_receipt", "receipt_sha256": stored.sha256,
               "on": delivered_on.isoformat()}
    reference = item.tracking_number or item.barcode
    record_event(item, letter, NotificationOutcome.DELIVERED, reference,
                 occurred_at=noon(delivered_on), **details)
    if letter.kind in NOTIFIED_ACTS:
        item.status = NotificationOutcome.PERFECTED
        record_event(item, letter, NotificationOutcome.PERFECTED, reference,
                     occurred_at=noon(delivered_on), perfected_on=delivered_on,
                     rule="post: delivery date", **details)
    db.session.flush()
    audit.record("letters.return_receipt_recorded", actor_type=actor_type, actor_id=actor_id,
                 object_type="postal_item", object_id=item.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, letter_id=letter.id, delivered_on=delivered_on.isoformat(),
                 sha256=stored.sha256, filename=scan.filename)
    return item
