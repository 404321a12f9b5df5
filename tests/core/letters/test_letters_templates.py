"""Per-Ente templates as data (defaults, Ente columns, "*" and per-kind overrides, validation),
the logo in the PDF, and appending the pagoPA notice pages to a letter."""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF

from core import db, storage
from core.demo.enti import SIRACUSA
from core.demo.files import logo_png
from core.letters import templates
from core.letters.pdfmerge import MergeError, _Pdf, concat, page_count
from core.letters.service import produce
from tests import factories
from tests.core.letters.letters_support import assessed, italian, new_ente


def test_defaults_come_from_the_ente(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente(name="Comune di Prova", portal_url="https://multe.example.org/")
        t = templates.template_for(ente, "verbale")
        assert t.office_name == "Comune di Prova" and t.iban == ente.iban
        assert t.portal_url == "https://multe.example.org" and t.verify_url.endswith("/verify")
        assert t.italian_original and t.product_for("DE").value == "raccomandata_internazionale_ar"
        assert t.product_for("IT").value == "raccomandata_ar"
        assert templates.template_for(ente, "invito_bonario").product_for("IT").value == "posta_prioritaria"
        assert not t.overridden


def test_kind_row_wins_over_star_row(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        factories.letter_template(ente, "*", signatory="Dott.ssa Anna Neri",
                                  signatory_role={"it": "La Comandante", "de": "Die Kommandantin"},
                                  postal_product="atto_giudiziario_890")
        factories.letter_template(ente, "verbale", signatory="Dott. Carlo Verdi")
        t = templates.template_for(ente, "verbale")
        assert t.signatory == "Dott. Carlo Verdi"
        assert t.text("signatory_role", "de") == "Die Kommandantin"
        assert t.text("signatory_role", "fr") == "La Comandante"  # falls back to Italian
        assert t.product_for("IT").value == "atto_giudiziario_890"
        assert templates.template_for(ente, "ultimo_avviso").signatory == "Dott.ssa Anna Neri"


def test_bad_overrides_are_refused(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        with pytest.raises(templates.TemplateError, match="colour"):
            templates.set_overrides(ente, "*", {"colour": "red"})
        with pytest.raises(templates.TemplateError, match="duplex"):
            templates.set_overrides(ente, "*", {"duplex": "yes"})
        with pytest.raises(templates.TemplateError, match="postal_product"):
            templates.set_overrides(ente, "verbale", {"postal_product": "pigeon"})
        with pytest.raises(templates.TemplateError, match="language"):
            templates.set_overrides(ente, "*", {"footer": {"xx": "?"}})
        with pytest.raises(templates.TemplateError, match="kind"):
            templates.set_overrides(ente, "appeal", {})
        row = templates.set_overrides(ente, "verbale", {"days_to_pay": 20, "bic": "BPMOIT22"})
        templates.set_overrides(ente, "verbale", {"bic": None})
        assert row.settings == {"days_to_pay": 20}


def test_template_cli(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        runner = portal_app.test_cli_runner()
        result = runner.invoke(args=["letters", "template", "--ente", ente.code, "--kind", "ultimo_avviso",
                                     "--set", "days_to_pay=15", "--set", "signatory=Mario Bianchi"])
        assert result.exit_code == 0, result.output
        assert '"days_to_pay": 15' in result.stdout and "Mario Bianchi" in result.stdout
        bad = runner.invoke(args=["letters", "template", "--ente", ente.code, "--set", "days_to_pay=-1"])
        assert bad.exit_code == 2 and "days_to_pay" in bad.stderr


def test_letter_prints_the_template_data_and_logo(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        storage.save("logos/test-letter.png", logo_png(SIRACUSA))
        factories.letter_template(ente, "*", logo_key="logos/test-letter.png", signatory="Dott. Carlo Verdi",
                                  footer="Polizia Locale · Ufficio Verbali", bic="BPMOIT22",
                                  extra_text={"it": "Testo aggiuntivo del Comune."})
        plain = produce(assessed(ente, italian(ente)), "verbale")
        text = plain.content.text()
        assert "Dott. Carlo Verdi" in text and "Testo aggiuntivo del Comune." in text
        assert "BPMOIT22" in text and plain.content.footer.startswith("Polizia Locale · Ufficio Verbali")
        with_logo = storage.read(plain.letter.storage_key)
        assert b"/Subtype /Image" in with_logo or b"/Image" in with_logo
        db.session.commit()


def _pdf(pages: int, text: str) -> bytes:
    doc = FPDF()
    doc.set_compression(False)
    doc.set_font("helvetica")
    for n in range(pages):
        doc.add_page()
        doc.cell(0, 10, f"{text} {n}")
    return bytes(doc.output())


def test_concat_keeps_every_page_in_order():
    merged = concat([_pdf(2, "letter"), _pdf(3, "avviso")])
    assert page_count(merged) == 5
    assert merged.startswith(b"%PDF-") and merged.rstrip().endswith(b"%%EOF")
    pdf = _Pdf(merged)
    texts = []
    for kid in pdf.kids():
        contents = int(re.search(rb"/Contents (\d+) 0 R", pdf.objects[kid])[1])
        texts.append(re.search(rb"\((\w+ \d)\) Tj", pdf.objects[contents])[1].decode())
    assert texts == ["letter 0", "letter 1", "avviso 0", "avviso 1", "avviso 2"]
    assert page_count(concat([merged, _pdf(1, "x")])) == 6


def test_concat_refuses_what_it_cannot_merge():
    with pytest.raises(MergeError):
        concat([b"not a pdf", _pdf(1, "x")])
