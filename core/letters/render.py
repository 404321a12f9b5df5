"""Draw a :class:`~core.letters.content.LetterContent` as an A4 PDF (fpdf2 + Titillium, the
house :class:`core.pdf.Document`): the Ente's logo and office in the header, the addressee in
the position of the envelope window (right, 5 cm from the top), the date and the verification
code, then each language section (the translation of a formal act starts on a new page).

Extra PDF pages (the pagoPA notice) are appended with :func:`core.letters.pdfmerge.concat`.
"""

from __future__ import annotations

import io
import logging

from fpdf.fonts import FontFace

from core import storage
from core.pdf import Document

from .content import Block, LetterContent
from .pdfmerge import concat, page_count

log = logging.getLogger(__name__)

_WINDOW = (110.0, 50.0, 85.0)  # x, y, width of the envelope window (DL, window on the right)
_LOGO_H = 20.0


def _logo(key: str) -> bytes | None:
    if not key:
        return None
    try:
        data = storage.read(key)
    except (storage.StorageError, OSError):
        log.warning("letter logo %r not found in storage", key)
        return None
    if data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8\xff"):
        return data
    log.warning("letter logo %r is neither PNG nor JPEG", key)
    return None


def _header(doc: Document, content: LetterContent, logo_key: str) -> None:
    x = doc.l_margin
    logo = _logo(logo_key)
    if logo is not None:
        doc.image(io.BytesIO(logo), x=x, y=12, h=_LOGO_H)
        x += _LOGO_H + 6
    doc.set_xy(x, 13)
    for index, line in enumerate(content.office):
        doc.set_font("Titillium", "B" if index == 0 else "", 11 if index == 0 else 9)
        doc.set_x(x)
        doc.multi_cell(_WINDOW[0] - x - 4, 5, line, align="L")
    doc.set_font("Titillium", size=8)
    doc.set_xy(_WINDOW[0], 13)
    for line in content.verification:
        doc.set_x(_WINDOW[0])
        doc.multi_cell(_WINDOW[2], 4, line, align="L")
    # the addressee, where the envelope window shows it
    doc.set_xy(_WINDOW[0], _WINDOW[1])
    doc.set_font("Titillium", size=10)
    for line in content.recipient:
        doc.set_x(_WINDOW[0])
        doc.multi_cell(_WINDOW[2], 5, line, align="L")
    doc.set_y(max(doc.get_y(), _WINDOW[1] + 30) + 4)
    doc.set_font("Titillium", size=10)
    doc.multi_cell(0, 5, content.date_line)
    doc.ln(3)


def _table(doc: Document, rows: tuple[tuple[str, ...], ...], heading: bool, boxed: bool = False) -> None:
    if not rows:
        return
    columns = len(rows[0])
    widths = {2: (62, 112), 3: (70, 66, 38)}.get(columns, tuple([174 // columns] * columns))
    align = ("LEFT",) * (columns - 1) + (("RIGHT",) if columns == 3 else ("LEFT",))
    doc.set_font("Titillium", size=9.5)
    bold = FontFace(emphasis="BOLD")
    with doc.table(col_widths=widths, first_row_as_headings=heading, line_height=5.5,
                   text_align=align, borders_layout="ALL" if boxed else "SINGLE_TOP_LINE"
                   if heading else "NONE") as table:
        for row in rows:
            out = table.row()
            for index, cell in enumerate(row):
                out.cell(cell, style=bold if boxed and index == 1 else None)
    doc.ln(2)


def _block(doc: Document, block: Block) -> None:
    if block.kind == "heading":
        doc.ln(1)
        doc.heading(block.text, size=12)
    elif block.kind == "para":
        doc.para(block.text)
    elif block.kind == "small":
        doc.para(block.text, size=8)
    elif block.kind == "rows":
        _table(doc, block.rows, heading=False)
    elif block.kind == "table":
        _table(doc, block.rows, heading=True)
    elif block.kind == "box":
        _table(doc, block.rows, heading=False, boxed=True)
    else:  # pragma: no cover - composing only makes the kinds above
        raise ValueError(f"unknown block kind {block.kind!r}")


def letter_pdf(content: LetterContent, logo_key: str = "", author: str = "",
               compress: bool = True) -> bytes:
    doc = Document(content.title, footer_text=content.footer)
    doc.set_compression(compress)
    doc.set_author(author)
    doc.set_subject(content.verification[0])
    _header(doc, content, logo_key)
    for index, section in enumerate(content.sections):
        if index > 0:
            doc.add_page()
        doc.heading(section.title, size=14)
        if section.note:
            doc.para(section.note, size=9, style="I")
        for block in section.blocks:
            _block(doc, block)
    return doc.output_bytes()


def assemble(letter: bytes, attachments: list[bytes]) -> tuple[bytes, int]:
    """The letter followed by its attachments, and the number of pages."""
    data = concat([letter, *attachments]) if attachments else letter
    return data, page_count(data)
