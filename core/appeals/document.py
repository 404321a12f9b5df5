"""The appeal document, in Italian whatever the citizen's language (fines-law §3: appeals must
be written in Italian). Fixed parts are Italian literals here *on purpose* — not gettext — and
the citizen's own words are reproduced verbatim in a box marked "Testo dell'interessato
(riportato testualmente)", with the language they were written in.

:func:`appeal_content` builds the document as a list of blocks (testable without reading the
PDF); :func:`render_pdf` lays them out with :class:`core.pdf.Document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency

from core.appeals.rules import Office
from core.fines.court_fee import CourtFee
from core.models import Person, PersonKind, Verbale
from core.pdf import Document

ROME = ZoneInfo("Europe/Rome")

ADDRESSEE_PREFIX = {"prefetto": "Al", "giudice_di_pace": "All'Ufficio del"}
TITLES = {
    "prefetto": "RICORSO AL PREFETTO",
    "giudice_di_pace": "RICORSO AL GIUDICE DI PACE",
}
LEGAL_BASIS = {
    "prefetto": "ai sensi degli artt. 203 e 204 del D.Lgs. 30 aprile 1992, n. 285 "
                "(Codice della Strada)",
    "giudice_di_pace": "ai sensi dell'art. 204-bis del D.Lgs. 30 aprile 1992, n. 285 "
                       "(Codice della Strada) e dell'art. 7 del D.Lgs. 1 settembre 2011, n. 150",
}
GROUNDS_IT = {
    "vehicle_sold": "Alla data della violazione il veicolo non era più nella disponibilità del "
                    "ricorrente, essendo stato venduto in data anteriore: la violazione non gli "
                    "è pertanto imputabile.",
    "stolen_or_cloned": "Alla data della violazione il veicolo era stato rubato oppure la sua "
                        "targa era stata clonata: la violazione non è riferibile al veicolo né "
                        "al ricorrente.",
    "other_driver": "Al momento della violazione il veicolo era condotto da persona diversa "
                    "dal ricorrente.",
    "signage_or_device": "La segnaletica stradale non era regolare o visibile, oppure il "
                         "dispositivo di rilevamento non era debitamente approvato, tarato o "
                         "segnalato.",
    "late_notification": "Il verbale è stato notificato oltre il termine previsto dall'art. 201 "
                         "del Codice della Strada (90 giorni dall'accertamento, 360 giorni per i "
                         "residenti all'estero), con conseguente estinzione dell'obbligazione.",
    "other": "Per gli ulteriori motivi esposti dal ricorrente nel testo che segue.",
}
REQUESTS_IT = {
    "prefetto": "che il Prefetto, in accoglimento del presente ricorso, voglia disporre "
                "l'archiviazione del verbale impugnato.",
    "giudice_di_pace": "che il Giudice di Pace adito, in accoglimento del presente ricorso, "
                       "voglia annullare il verbale impugnato, previa sospensione della sua "
                       "esecutività.",
}
LANGUAGES_IT = {"it": "italiano", "en": "inglese", "fr": "francese", "de": "tedesco",
                "es": "spagnolo"}
VERBATIM_TITLE = "Testo dell'interessato (riportato testualmente)"


@dataclass(frozen=True)
class Block:
    kind: str  # heading, title, para, rows, box, list, signature, note
    text: str = ""
    rows: tuple[tuple[str, str], ...] = ()
    items: tuple[str, ...] = ()


def it_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(ROME), "d MMMM y, HH:mm", locale="it")
    return format_date(value, "d MMMM y", locale="it")


def it_money(amount: Decimal) -> str:
    return format_currency(amount, "EUR", locale="it_IT")


def _identity(person: Person) -> list[tuple[str, str]]:
    if person.kind == PersonKind.LEGAL:
        rows = [("Ricorrente", person.company_name)]
    else:
        rows = [("Ricorrente", person.display_name)]
    if person.birth_date:
        rows.append(("Data di nascita", it_date(person.birth_date)))
    if person.fiscal_code:
        rows.append(("Codice fiscale / Partita IVA", person.fiscal_code))
    elif person.foreign_id:
        rows.append(("Documento estero", f"{person.foreign_id_type or ''} {person.foreign_id} "
                                         f"({person.foreign_id_country or ''})".strip()))
    address = ", ".join(filter(None, [person.address_line,
                                      " ".join(filter(None, [person.postal_code, person.city])),
                                      person.province, person.country]))
    if address:
        rows.append(("Residenza", address))
    if person.pec or person.email:
        rows.append(("Recapito per le comunicazioni", person.pec or person.email))
    return rows


def appeal_content(*, route: str, verbale: Verbale, person: Person, grounds: list[str],
                   text: str, language: str, hearing: bool, attachments: list[str],
                   office: Office, value: Decimal, fee: CourtFee | None, prepared_at: datetime,
                   online: bool, reference: str = "") -> list[Block]:
    """The blocks of the Italian appeal document."""
    ente = verbale.ente
    blocks = [
        Block("heading", f"{ADDRESSEE_PREFIX[route]} {office.addressee}"),
    ]
    if office.office or office.address:
        blocks.append(Block("para", ", ".join(filter(None, [office.office, office.address]))))
    if route == "prefetto":
        blocks.append(Block("para", f"per il tramite di: {ente.name}"
                                    + (f", {ente.address}" if ente.address else "")))
    blocks += [
        Block("title", f"{TITLES[route]} avverso il verbale di accertamento n. {verbale.number}"),
        Block("para", LEGAL_BASIS[route]),
        Block("subheading", "Parti"),
        Block("rows", rows=tuple(_identity(person)
                                 + [("Contro", f"{ente.name} (ente accertatore)")])),
        Block("subheading", "Verbale impugnato"),
        Block("rows", rows=tuple(filter(None, [
            ("Numero del verbale", verbale.number),
            ("Data e ora della violazione", it_date(verbale.violation_at)),
            ("Luogo della violazione", verbale.place),
            ("Targa del veicolo", f"{verbale.plate} ({verbale.registration_country})"),
            ("Violazioni contestate", "; ".join(
                f"{v.violation_type.description_for('it')} ({v.violation_type.article})"
                for v in verbale.violations)),
            ("Data di notificazione", it_date(verbale.notified_on)) if verbale.notified_on
            else None,
            ("Importo richiesto alla data odierna", it_money(value)),
        ]))),
        Block("subheading", "Motivi del ricorso"),
        Block("para", "Il ricorrente, come sopra identificato, propone ricorso avverso il "
                      "verbale indicato per i seguenti motivi:"),
        Block("list", items=tuple(GROUNDS_IT[g] for g in grounds if g in GROUNDS_IT)),
        Block("box", text,
              rows=((VERBATIM_TITLE,
                     f"Lingua del modulo compilato: {LANGUAGES_IT.get(language, language)}"),)),
        Block("subheading", "Chiede"),
        Block("para", REQUESTS_IT[route]),
    ]
    if route == "prefetto" and hearing:
        blocks.append(Block("para", "Chiede inoltre di essere sentito personalmente, ai sensi "
                                    "dell'art. 204, comma 1, del Codice della Strada."))
    if route == "giudice_di_pace" and fee is not None:
        blocks.append(Block("para", "Ai fini del contributo unificato si dichiara che il valore "
                                    f"della controversia è di {it_money(value)} e che il "
                                    f"contributo dovuto è di {it_money(fee.total)}."))
    blocks.append(Block("subheading", "Allegati"))
    blocks.append(Block("list", items=tuple(attachments) if attachments
                        else ("Nessun allegato.",)))
    blocks.append(Block("signature", rows=(
        ("Luogo e data", f"{'_' * 22}, {it_date(prepared_at.astimezone(ROME).date())}"),
        ("Firma", "_" * 34),
    )))
    if online:
        blocks.append(Block("note", "Ricorso trasmesso tramite il portale dei servizi al "
                                    f"cittadino il {it_date(prepared_at)}"
                                    + (f", protocollo {reference}" if reference else "") + "."))
    else:
        blocks.append(Block("note", "Documento predisposto tramite il portale dei servizi al "
                                    f"cittadino il {it_date(prepared_at)}. Da firmare e "
                                    "presentare personalmente, con raccomandata A/R o via PEC."))
    return blocks


def render_pdf(blocks: list[Block], title: str) -> bytes:
    doc = Document(title, footer_text=title)
    for block in blocks:
        if block.kind == "heading":
            doc.para(block.text, size=11, style="B")
        elif block.kind == "title":
            doc.ln(3)
            doc.heading(block.text, size=13)
        elif block.kind == "subheading":
            doc.ln(1)
            doc.para(block.text.upper(), size=10, style="B")
        elif block.kind == "para":
            doc.para(block.text)
        elif block.kind == "rows":
            doc.rows(list(block.rows), widths=(60, 114))
        elif block.kind == "list":
            for n, item in enumerate(block.items, start=1):
                doc.para(f"{n}. {item}")
        elif block.kind == "box":
            heading, language = block.rows[0]
            doc.ln(1)
            doc.set_font("Titillium", "B", 10)
            doc.multi_cell(0, 6, heading, border="LTR", new_x="LMARGIN", new_y="NEXT")
            doc.set_font("Titillium", "I", 9)
            doc.multi_cell(0, 5, language, border="LR", new_x="LMARGIN", new_y="NEXT")
            doc.set_font("Titillium", "", 10)
            doc.multi_cell(0, 5.5, block.text or "—", border="LRB", new_x="LMARGIN",
                           new_y="NEXT")
            doc.ln(3)
            doc.set_font("Titillium", size=10)
        elif block.kind == "signature":
            doc.ln(4)
            for label, value in block.rows:
                doc.para(f"{label}: {value}")
        elif block.kind == "note":
            doc.ln(2)
            doc.para(block.text, size=8, style="I")
    return doc.output_bytes()
