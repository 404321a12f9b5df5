"""The pagoPA payment notice (avviso di pagamento) as a PDF, "Violazioni Codice della Strada"
variant: bilingual — every label in Italian and in the citizen's language ("Importo /
Amount"), Italian only for Italian readers — with the creditor, the debtor, the verbale, the
notice number and IUV, the QR code for today's amount, **every** amount window of the fines
engine's timeline with its dates, and how to pay on the pagoPA circuit.

Values (amounts, dates) are formatted in the citizen's language. The QR code follows
pagopa.md §2: ``PAGOPA|002|<notice>|<creditor CF>|<cents>``, ISO/IEC 18004 version 4 with
error correction M (a larger version only if the payload does not fit), as a PNG.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf.fonts import FontFace

from core.fines import DISCOUNTED, HALF_MAXIMUM, MINIMUM, Window
from core.i18n import long_date, money
from core.models import PaymentNotice, Verbale
from core.pagopa.notice import NoticeNumber
from core.pagopa.service import ensure_notice, notice_qr_payload
from core.pdf import Document
from core.positions import VerbalePosition, build_position, ente_settings, local_today

ITALIAN = "it"


def qr_code(payload: str) -> segno.QRCode:
    """Version 4, error correction M (not boosted); a larger version only if needed."""
    try:
        return segno.make(payload, error="m", version=4, boost_error=False, micro=False)
    except segno.DataOverflowError:
        return segno.make(payload, error="m", boost_error=False, micro=False)


def qr_png(payload: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    qr_code(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


class Bilingual:
    """Render a text in Italian and in the reader's language. ``text`` is a callable that
    calls ``gettext`` (and formats values) under the active locale, so it runs once per
    language and message extraction still sees literal msgids."""

    def __init__(self, lang: str):
        self.lang = lang if lang in current_app.config["LANGUAGES"] else ITALIAN

    @property
    def italian_only(self) -> bool:
        return self.lang == ITALIAN

    def both(self, text: Callable[[], str]) -> tuple[str, str | None]:
        with force_locale(ITALIAN):
            italian = text()
        if self.italian_only:
            return italian, None
        with force_locale(self.lang):
            other = text()
        return italian, (None if other == italian else other)

    def label(self, text: Callable[[], str]) -> str:
        """``"Importo / Amount"``; one language when the reader is Italian or both agree."""
        italian, other = self.both(text)
        return italian if other is None else f"{italian} / {other}"

    def value(self, text: Callable[[], str]) -> str:
        """A value in the reader's language (amounts, dates)."""
        with force_locale(self.lang):
            return text()


@dataclass(frozen=True)
class WindowLine:
    option: str
    first: str
    last: str
    total: str
    current: bool


def _tier_label(window: Window, reduced_days: int) -> str:
    if window.tier == DISCOUNTED:
        return _("Reduced amount (within %(days)s days of notification)", days=reduced_days)
    if window.tier == MINIMUM:
        return _("Minimum amount")
    if window.tier == HALF_MAXIMUM and window.surcharge > 0:
        return _("Half the maximum, with the surcharge for late payment")
    return _("Half the maximum")


def _is_current(window: Window, today: date, first: bool) -> bool:
    if first and today < window.first:  # paying on or before day 0 pays the reduced amount
        return True
    return window.first <= today and (window.last is None or today <= window.last)


def window_lines(position: VerbalePosition, bi: Bilingual, today: date) -> list[WindowLine]:
    """One line per window of the engine's timeline, in order, with its dates and total."""
    days = ente_settings(position.verbale.ente).fines.reduced_window_days
    lines = []
    for index, window in enumerate(position.quote.windows):
        lines.append(WindowLine(
            option=bi.label(lambda w=window: _tier_label(w, days)),
            first=bi.value(lambda w=window: long_date(w.first)),
            last=bi.value(lambda w=window: long_date(w.last) if w.last else _("no end date")),
            total=bi.value(lambda w=window: money(w.total)),
            current=_is_current(window, today, index == 0),
        ))
    return lines


def _debtor_id(verbale: Verbale) -> str:
    person = verbale.offender
    if person.fiscal_code:
        return person.fiscal_code
    if person.foreign_id:
        country = f" ({person.foreign_id_country})" if person.foreign_id_country else ""
        return f"{person.foreign_id}{country}"
    return "-"


def _address(verbale: Verbale) -> str:
    p = verbale.offender
    place = " ".join(x for x in (p.postal_code, p.city, f"({p.province})" if p.province else "") if x)
    return ", ".join(x for x in (p.address_line, place, p.country) if x)


def _rows(doc: Document, pairs: list[tuple[str, str]]) -> None:
    """Label/value table, left-aligned (long bilingual labels must not be justified)."""
    doc.set_font("Titillium", size=10)
    with doc.table(col_widths=(70, 104), first_row_as_headings=False, line_height=5.5,
                   text_align=("LEFT", "LEFT")) as table:
        for label, value in pairs:
            row = table.row()
            row.cell(label)
            row.cell(value)
    doc.ln(2)


def _bilingual_para(doc: Document, bi: Bilingual, text: Callable[[], str], size: int = 9) -> None:
    italian, other = bi.both(text)
    doc.para(italian, size=size)
    if other:
        doc.para(other, size=size, style="I")


def avviso_pdf(notice: PaymentNotice, position: VerbalePosition, lang: str,
               today: date, compress: bool = True) -> bytes:
    """The notice as PDF bytes for a reader of ``lang``."""
    verbale, ente = position.verbale, notice.ente
    bi = Bilingual(lang)
    number = NoticeNumber(notice.notice_number)
    payload = notice_qr_payload(notice, position)
    quote = position.quote

    title = bi.label(lambda: _("pagoPA payment notice"))
    doc = Document(title, footer_text=f"{ente.name} · {number.formatted()}")
    doc.set_compression(compress)
    doc.set_subject(f"{notice.notice_number} {notice.iuv} {ente.fiscal_code}")
    doc.set_author(ente.name)
    doc.heading(title)
    doc.para(bi.label(lambda: _("Traffic fine (Highway Code violation)")), size=11, style="B")

    _rows(doc, [
        (bi.label(lambda: _("Creditor")), ente.name),
        (bi.label(lambda: _("Creditor fiscal code")), ente.fiscal_code),
        (bi.label(lambda: _("Debtor")), verbale.offender.display_name),
        (bi.label(lambda: _("Debtor identifier")), _debtor_id(verbale)),
        (bi.label(lambda: _("Address")), _address(verbale) or "-"),
        (bi.label(lambda: _("Verbale")), verbale.number),
        (bi.label(lambda: _("Date of the violation")),
         bi.value(lambda: long_date(verbale.violation_at))),
        (bi.label(lambda: _("Vehicle plate")), verbale.plate),
        (bi.label(lambda: _("Notice number")), number.formatted()),
        (bi.label(lambda: _("IUV")), notice.iuv),
    ])

    # QR code with today's amount, and the amount next to it.
    top = doc.get_y()
    if top + 48 > doc.h - doc.b_margin:
        doc.add_page()
        top = doc.get_y()
    doc.image(io.BytesIO(qr_png(payload)), x=doc.l_margin, y=top, w=40)
    doc.set_xy(doc.l_margin + 46, top + 4)
    width = doc.w - doc.r_margin - doc.get_x()
    doc.set_font("Titillium", "B", 12)
    doc.multi_cell(width, 6, bi.label(lambda: _("Amount if paid today")) + ": "
                   + bi.value(lambda: money(quote.total)))
    doc.set_x(doc.l_margin + 46)
    doc.set_font("Titillium", size=9)
    until = position.quote_valid_until
    if until is not None:
        doc.multi_cell(width, 5, bi.label(lambda: _("Valid until")) + ": "
                       + bi.value(lambda: long_date(until)))
        doc.set_x(doc.l_margin + 46)
    doc.multi_cell(width, 5, bi.label(lambda: _("Scan the QR code with the IO app or your "
                                                 "payment app")))
    doc.set_y(top + 44)

    doc.heading(bi.label(lambda: _("Amount due depending on the payment date")), size=12)
    _bilingual_para(doc, bi, lambda: _(
        "The amount depends on the day you pay: pay the amount of the period that includes "
        "the day of payment. The QR code holds today's amount; on a later day the payment "
        "service will ask the Municipality for the updated amount."))
    if quote.reduced_payment_excluded:
        _bilingual_para(doc, bi, lambda: _(
            "This violation does not allow a reduced payment: the amount is half the maximum "
            "from the first day."))
    if quote.costs_total > 0:
        _bilingual_para(doc, bi, lambda: _(
            "Every amount includes notification and procedure costs of %(costs)s.",
            costs=money(quote.costs_total)))
    if quote.paid > 0:
        _bilingual_para(doc, bi, lambda: _(
            "Amounts already paid (%(paid)s) have been deducted.", paid=money(quote.paid)))
    lines = window_lines(position, bi, today)
    bold = FontFace(emphasis="BOLD")
    doc.set_font("Titillium", size=9)
    with doc.table(col_widths=(70, 38, 38, 28), line_height=5,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT")) as table:
        head = table.row()
        for text in (lambda: _("Payment option"), lambda: _("From"), lambda: _("To"),
                     lambda: _("Amount")):
            head.cell(bi.label(text))
        for line in lines:
            row = table.row()
            style = bold if line.current else None
            option = line.option + (" – " + bi.label(lambda: _("today")) if line.current else "")
            for text in (option, line.first, line.last, line.total):
                row.cell(text, style=style)
    doc.ln(3)

    doc.heading(bi.label(lambda: _("How to pay")), size=12)
    portal = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    for text in (
        lambda: _("With the IO app: scan the QR code or enter the notice number and the "
                  "creditor's fiscal code."),
        lambda: _("At banks, post offices, tobacconists, supermarkets and the other payment "
                  "service providers enabled for pagoPA: at the counter, at ATMs or online."),
        lambda: _("With your home banking, in the pagoPA or CBILL payments section."),
        lambda: _("Online on the citizen portal: %(url)s", url=portal),
    ):
        _bilingual_para(doc, bi, lambda t=text: "• " + t())
    _bilingual_para(doc, bi, lambda: _(
        "The payment is registered automatically: keep the receipt issued by the payment "
        "service. Paying the amount of the current period closes the verbale."), size=8)
    return doc.output_bytes()


def avviso_for(verbale: Verbale, lang: str, today: date | None = None,
               compress: bool = True) -> tuple[PaymentNotice, bytes]:
    """Issue (or reuse) the verbale's notice and render its PDF for ``lang``.

    Raises :class:`core.pagopa.service.NoticeError` when nothing is payable today.
    """
    today = today or local_today(verbale.ente)
    notice = ensure_notice(verbale, today)
    position = build_position(verbale, today)
    return notice, avviso_pdf(notice, position, lang, today, compress=compress)

