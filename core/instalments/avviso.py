"""The pagoPA payment notice of one instalment, as a PDF: bilingual labels like the verbale's
notice (:mod:`core.pagopa.avviso`), the instalment's own notice number and IUV, its amount and
due date, and the QR code for exactly that amount."""

from __future__ import annotations

import io

from flask import current_app
from flask_babel import gettext as _

from core.i18n import long_date, money
from core.models import Instalment
from core.pagopa.avviso import Bilingual, qr_png
from core.pagopa.notice import NoticeNumber, qr_payload
from core.pdf import Document


def instalment_avviso_pdf(instalment: Instalment, lang: str) -> bytes:
    plan = instalment.plan
    verbale, ente, notice = plan.verbale, plan.ente, instalment.notice
    number = NoticeNumber(notice.notice_number)
    bi = Bilingual(lang)
    title = bi.label(lambda: _("pagoPA payment notice"))
    doc = Document(title, footer_text=f"{ente.name} · {number.formatted()}")
    doc.set_subject(f"{notice.notice_number} {notice.iuv} {ente.fiscal_code}")
    doc.set_author(ente.name)
    doc.heading(title)
    doc.para(bi.label(lambda: _("Instalment %(number)s of %(count)s – traffic fine",
                                number=instalment.number, count=plan.count)), size=11, style="B")
    doc.rows([
        (bi.label(lambda: _("Creditor")), ente.name),
        (bi.label(lambda: _("Creditor fiscal code")), ente.fiscal_code),
        (bi.label(lambda: _("Debtor")), verbale.offender.display_name),
        (bi.label(lambda: _("Verbale")), verbale.number),
        (bi.label(lambda: _("Notice number")), number.formatted()),
        (bi.label(lambda: _("IUV")), notice.iuv),
        (bi.label(lambda: _("Amount")), bi.value(lambda: money(instalment.amount))),
        (bi.label(lambda: _("Due date")), bi.value(lambda: long_date(instalment.due_on))),
    ])
    payload = qr_payload(number, ente.fiscal_code, instalment.amount)
    top = doc.get_y()
    doc.image(io.BytesIO(qr_png(payload)), x=doc.l_margin, y=top, w=40)
    doc.set_xy(doc.l_margin + 46, top + 4)
    width = doc.w - doc.r_margin - doc.get_x()
    doc.multi_cell(width, 5, bi.label(lambda: _("Scan the QR code with the IO app or your "
                                                 "payment app")))
    doc.set_y(top + 44)
    portal = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    for text in (
        lambda: _("This notice pays this instalment only. Each instalment of the plan has its "
                  "own notice number."),
        lambda: _("With the IO app: scan the QR code or enter the notice number and the "
                  "creditor's fiscal code."),
        lambda: _("Online on the citizen portal: %(url)s", url=portal),
    ):
        italian, other = bi.both(text)
        doc.para(italian, size=9)
        if other:
            doc.para(other, size=9, style="I")
    return doc.output_bytes()
