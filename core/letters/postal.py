"""The postal print batch: the PDF files plus a manifest CSV for the printer, zipped.

``flask letters print-batch --ente CODE --kind K`` takes every letter of that kind not yet
handed to the printer and, chunk by chunk through :func:`core.batches.drive`,

* creates one :class:`~core.models.PostalItem` per letter (unique per letter: a replayed chunk
  adds nothing) with the postal product chosen by the letter template — foreign addresses get
  the international product (international registered mail with return receipt for the formal
  acts, under the Strasbourg convention) —, sheets, weight and weight class, and a barcode
  placeholder the printer prints until the operator's tracking number is known;
* checks the archived file against its SHA-256 and copies it into the batch folder;
* records a :class:`~core.models.NotificationEvent` ``queued`` on the verbale's timeline
  (channel ``post``, ``international_mail`` or ``friendly_letter``; ``details`` carry the
  letter id and kind, so other readers can tell a reminder from a notification).

The last chunk writes ``manifest.csv`` and ``<batch>.zip`` (files streamed from disk: constant
memory). Files live in private storage under ``print-batches/<ENTE>/<run id>/``.

Manifest columns (UTF-8, comma-separated, one header line): see :data:`MANIFEST_COLUMNS`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import zipfile
from collections.abc import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from core import batches, db, storage
from core.batches import Chunk
from core.models import (
    BatchRun,
    Ente,
    Letter,
    LetterKind,
    NotificationChannel,
    NotificationEvent,
    NotificationOutcome,
    PostalItem,
    PostalProduct,
    Verbale,
)

from .content import Address, country_name
from .service import postal_channel
from .templates import KINDS, template_for

RUN_KIND = "letters_print"
CHUNK = 50

MANIFEST_COLUMNS = (
    "sequence", "file_name", "pages", "sheets", "recipient_name", "address_line_1",
    "address_line_2", "address_line_3", "address_line_4", "postal_code", "city", "province",
    "country_code", "country_name", "postal_product", "international", "registered",
    "return_receipt", "weight_grams", "weight_class", "barcode", "tracking_number",
    "letter_kind", "verbale_number", "verification_code", "sha256",
)

#: grams: one A4 sheet of 80 g/m² paper, a DL window envelope, a return-receipt card
SHEET_GRAMS, ENVELOPE_GRAMS, RECEIPT_CARD_GRAMS = 5, 6, 4
#: weight classes of the postal price lists (upper bound in grams, label)
WEIGHT_CLASSES = ((20, "0-20g"), (50, "21-50g"), (100, "51-100g"), (250, "101-250g"),
                  (350, "251-350g"), (1000, "351-1000g"), (2000, "1001-2000g"))


def weight(pages: int, duplex: bool, registered: bool) -> tuple[int, int, str]:
    """``(sheets, grams, weight class)`` of an envelope with ``pages`` printed pages."""
    sheets = math.ceil(pages / 2) if duplex else pages
    grams = sheets * SHEET_GRAMS + ENVELOPE_GRAMS + (RECEIPT_CARD_GRAMS if registered else 0)
    for limit, label in WEIGHT_CLASSES:
        if grams <= limit:
            return sheets, grams, label
    return sheets, grams, "over-2000g"


def barcode_for(letter_id: int) -> str:
    """``LT`` + the letter id on 10 digits + a mod-10 (Luhn) check digit."""
    digits = f"{letter_id:010d}"
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char) * (2 if index % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return f"LT{digits}{(10 - total % 10) % 10}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "letter"


def folder(ente: Ente, run_id: int) -> str:
    return f"print-batches/{ente.code}/{run_id}"


def start(ente: Ente, kind: LetterKind | str, created_by: str = "") -> BatchRun:
    kind = LetterKind(kind)
    if kind not in KINDS:
        raise ValueError(f"letters of kind {kind} are not printed in batches")
    count = db.session.scalar(select(func.count()).select_from(
        _pending(ente.id, kind).subquery()))
    return batches.start(RUN_KIND, ente_id=ente.id, label=f"print {kind} {ente.code}",
                         params={"kind": str(kind)}, total=count, created_by=created_by)


#: A formal notification that went out (or is going out) digitally is not printed as well.
DIGITAL = (NotificationChannel.SEND, NotificationChannel.PEC)
DIGITAL_ALIVE = (NotificationOutcome.QUEUED, NotificationOutcome.SENT,
                 NotificationOutcome.DELIVERED, NotificationOutcome.VIEWED,
                 NotificationOutcome.PERFECTED)


def _pending(ente_id: int, kind: str):
    stmt = (select(Letter).where(Letter.ente_id == ente_id, Letter.kind == kind,
                                 Letter.verbale_id.is_not(None),
                                 ~exists().where(PostalItem.letter_id == Letter.id)))
    if kind == LetterKind.VERBALE:
        stmt = stmt.where(~exists().where(NotificationEvent.verbale_id == Letter.verbale_id,
                                          NotificationEvent.channel.in_(DIGITAL),
                                          NotificationEvent.outcome.in_(DIGITAL_ALIVE)))
    return stmt


def record_event(item: PostalItem, letter: Letter, outcome: NotificationOutcome, reference: str,
           occurred_at=None, perfected_on=None, **extra) -> NotificationEvent:
    event = NotificationEvent(
        verbale_id=item.verbale_id, person_id=item.person_id, channel=item.channel,
        outcome=outcome, reference=reference, perfected_on=perfected_on,
        details={"letter_id": letter.id, "letter_kind": str(letter.kind),
                 "postal_item_id": item.id, "product": str(item.product),
                 "barcode": item.barcode, **extra})
    if occurred_at is not None:
        event.occurred_at = occurred_at
    db.session.add(event)
    return event


def chunk(run: BatchRun) -> Chunk:
    ente = db.session.get(Ente, run.ente_id)
    kind = run.params["kind"]
    template = template_for(ente, kind)
    after = int(run.cursor.get("last_id", 0))
    sequence = int(run.cursor.get("sequence", 0))
    stmt = (_pending(ente.id, kind).where(Letter.id > after).order_by(Letter.id).limit(CHUNK)
            .options(selectinload(Letter.verbale).selectinload(Verbale.offender))
            .execution_options(yield_per=CHUNK))
    letters = list(db.session.scalars(stmt))
    done = failed = 0
    errors: list[str] = []
    base = folder(ente, run.id)
    for letter in letters:
        after = letter.id
        try:
            data = storage.read(letter.storage_key)
        except (storage.StorageError, OSError):
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != letter.sha256:
            failed += 1
            errors.append(f"{letter.verification_code}: file missing or altered")
            continue
        sequence += 1
        person = letter.verbale.offender
        address = Address.of(person)
        product = template.product_for(address.country)
        sheets, grams, weight_class = weight(letter.pages, template.duplex, product.registered)
        file_name = f"{sequence:06d}_{kind}_{_safe(letter.verbale.number)}.pdf"
        item = PostalItem(
            ente_id=ente.id, letter_id=letter.id, verbale_id=letter.verbale_id,
            person_id=person.id, batch_run_id=run.id,
            channel=postal_channel(kind, address.abroad), product=product,
            barcode=barcode_for(letter.id), status=NotificationOutcome.QUEUED,
            file_name=file_name, pages=letter.pages, sheets=sheets, weight_grams=grams,
            weight_class=weight_class, recipient=address.as_dict(),
            details={"sequence": sequence})
        db.session.add(item)
        db.session.flush()
        storage.save(f"{base}/{file_name}", data)
        record_event(item, letter, NotificationOutcome.QUEUED, item.barcode, batch_run_id=run.id)
        done += 1
    if len(letters) == CHUNK:
        return Chunk(done=done, failed=failed, more=True,
                     cursor={"last_id": after, "sequence": sequence},
                     result={"errors": errors} if errors else {})
    manifest_key, zip_key, rows = _finish(ente, run)
    result = {"manifest": manifest_key, "zip": zip_key, "items": rows}
    if errors:
        result["errors"] = errors
    return Chunk(done=done, failed=failed, more=False,
                 cursor={"last_id": after, "sequence": sequence}, result=result)


def manifest_row(item: PostalItem, letter: Letter) -> dict[str, str]:
    recipient = item.recipient or {}
    lines = list(recipient.get("lines", []))[1:]  # the name has its own column
    lines += [""] * (4 - len(lines))
    product = PostalProduct(item.product)
    country = recipient.get("country", "IT")
    return {
        "sequence": str((item.details or {}).get("sequence", "")),
        "file_name": item.file_name, "pages": str(item.pages), "sheets": str(item.sheets),
        "recipient_name": recipient.get("name", ""),
        "address_line_1": lines[0], "address_line_2": lines[1], "address_line_3": lines[2],
        "address_line_4": lines[3], "postal_code": recipient.get("postal_code", ""),
        "city": recipient.get("city", ""), "province": recipient.get("province", ""),
        "country_code": country, "country_name": country_name(country, "it").upper(),
        "postal_product": product.value, "international": "yes" if product.international else "no",
        "registered": "yes" if product.registered else "no",
        "return_receipt": "yes" if product.registered else "no",
        "weight_grams": str(item.weight_grams), "weight_class": item.weight_class,
        "barcode": item.barcode, "tracking_number": item.tracking_number or "",
        "letter_kind": str(letter.kind), "verbale_number": letter.verbale.number,
        "verification_code": letter.verification_code, "sha256": letter.sha256,
    }


def _items(run_id: int):
    """The batch's items in order, streamed by keyset."""
    after = 0
    while True:
        rows = list(db.session.execute(
            select(PostalItem, Letter).join(Letter, Letter.id == PostalItem.letter_id)
            .where(PostalItem.batch_run_id == run_id, PostalItem.id > after)
            .order_by(PostalItem.id).limit(500)
            .options(selectinload(Letter.verbale))))
        if not rows:
            return
        yield from rows
        after = rows[-1][0].id


def _finish(ente: Ente, run: BatchRun) -> tuple[str, str, int]:
    """Write the manifest and the ZIP, streaming the items (constant memory)."""
    base = folder(ente, run.id)
    manifest_key = f"{base}/manifest.csv"
    manifest_path = storage.path_for(manifest_key)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    zip_key = f"print-batches/{ente.code}/{ente.code}-{run.params['kind']}-{run.id}.zip"
    zip_path = storage.path_for(zip_key)
    tmp = zip_path.with_suffix(".zip.part")
    rows = 0
    with manifest_path.open("w", newline="", encoding="utf-8") as handle, \
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        for item, letter in _items(run.id):
            writer.writerow(manifest_row(item, letter))
            archive.write(storage.path_for(f"{base}/{item.file_name}"), item.file_name)
            rows += 1
        handle.flush()
        archive.write(manifest_path, "manifest.csv")
    tmp.replace(zip_path)
    return manifest_key, zip_key, rows


def run(run_id: int, on_progress: Callable[[BatchRun], None] | None = None) -> BatchRun:
    return batches.drive(run_id, chunk, on_progress=on_progress)


def job(run_id: int) -> None:
    run(run_id)
