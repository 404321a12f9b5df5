"""Producing letters: each kind in Italian and in a foreign language, amounts equal to the
engine's, verification codes, the archive's SHA-256, the Italian original of formal acts."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from core import db, storage
from core.i18n import long_date, money
from core.letters import codes
from core.letters.pdfmerge import page_count
from core.letters.service import NotEligible, produce
from core.models import AccessCredential, Letter, LetterKind, VerbaleStatus
from core.positions import build_position
from core.security import verify_password
from tests import factories
from tests.core.letters.letters_support import assessed, italian, new_ente, notified, today


def _text(produced) -> str:
    return produced.content.text()


def test_invito_bonario_in_german_with_codes_notice_and_offer(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        person = factories.foreign_person(ente, "DE", "de")
        verbale = assessed(ente, person)
        produced = produce(verbale, "invito_bonario")
        db.session.commit()
        letter = produced.letter
        text = _text(produced)
        assert produced.created and letter.language == "de"
        assert produced.content.languages == ("de",)
        # the offer opened: day 0 set, no costs, the engine's amounts with their dates
        assert verbale.notified_on == today() + timedelta(days=10)
        assert verbale.notification_channel == "friendly_letter"
        position = build_position(verbale, today())
        windows = position.quote.windows
        with force_locale("de"):
            assert money(windows[0].total) in text and money(Decimal("29.40")) in text
            assert money(windows[1].total) in text and long_date(windows[0].last) in text
        assert position.quote.costs_total == 0
        # access codes: printed once, stored hashed only
        username = letter.details["username"]
        assert username and username in text
        credential = db.session.get(AccessCredential, letter.details["credential_id"])
        password = produced.content.sections[0].blocks
        printed = [row[1] for b in password if b.kind == "box" for row in b.rows]
        assert printed[1] == username
        assert verify_password(credential.password_hash, printed[2])[0]
        assert printed[2] not in str(letter.details) and credential.password_hash != printed[2]
        # verification code, notice number, portal address
        assert codes.is_valid(letter.verification_code) and letter.verification_code in text
        assert letter.details["notice_number"] in text
        # the PDF: letter pages + the pagoPA notice pages, archived with its SHA-256
        data = storage.read(letter.storage_key)
        assert hashlib.sha256(data).hexdigest() == letter.sha256
        assert page_count(data) == letter.pages >= 2
        assert letter.details["attachments"] == ["pagopa_avviso"]


def test_invito_bonario_in_italian(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        factories.letter_template(ente, "invito_bonario", invito_for="all")
        person = italian(ente)
        produced = produce(assessed(ente, person), "invito_bonario")
        text = _text(produced)
        assert produced.letter.language == "it"
        assert "Invito" in text or "invito" in text.lower() or produced.content.title
        with force_locale("it"):
            assert money(Decimal("29.40")) in text


def test_formal_verbale_to_foreign_recipient_has_italian_original_and_translation(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        factories.letter_template(ente, "invito_bonario", invito_for="none")
        person = factories.foreign_person(ente, "FR", "fr", first_name="Émile", last_name="Zola")
        verbale = assessed(ente, person)
        produced = produce(verbale, "verbale")
        content = produced.content
        assert content.languages == ("it", "fr")
        assert [s.lang for s in content.sections] == ["it", "fr"]
        # costs of international mail added once (21.00 + 9.50)
        assert sorted(str(c.amount) for c in verbale.costs) == ["21.00", "9.50"]
        # amounts: the engine's windows with costs, in each section's locale
        italian_text = "\n".join(content.sections[0].lines())
        french_text = "\n".join(content.sections[1].lines())
        for lang, text in (("it", italian_text), ("fr", french_text)):
            with force_locale(lang):
                assert money(Decimal("59.90")) in text  # 29.40 + 30.50
                assert money(Decimal("72.50")) in text  # 42.00 + 30.50
                assert money(Decimal("117.00")) in text  # 86.50 + 30.50
        strasbourg = ("This act is served by international registered mail with return receipt "
                      "under the European Convention of Strasbourg of 24 November 1977 (Italian "
                      "Law 149/1983).")
        with force_locale("it"):
            assert _(strasbourg) in italian_text
            assert _("Appeals must be written in Italian. Paying the reduced amount means "
                     "accepting the fine and excludes any appeal.") in italian_text
        with force_locale("fr"):
            assert _(strasbourg) in french_text
            assert long_date(verbale.violation_at) in french_text  # French month name
        assert content.recipient[-1] == "FRANCIA"
        assert produced.letter.details["notice_number"]


def test_formal_verbale_in_italian_for_italian_resident(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        verbale = assessed(ente, italian(ente))
        produced = produce(verbale, "verbale")
        assert produced.content.languages == ("it",)
        assert sorted(str(c.amount) for c in verbale.costs) == ["12.60", "3.00"]
        with force_locale("it"):
            assert money(Decimal("45.00")) in produced.content.text()  # 29.40 + 15.60
        # a second call finds the archived letter: nothing new
        again = produce(verbale, "verbale")
        assert not again.created and again.letter.id == produced.letter.id
        assert len(verbale.costs) == 2


def test_foreign_recipient_gets_invito_first(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        verbale = assessed(ente, factories.foreign_person(ente))
        with pytest.raises(NotEligible) as error:
            produce(verbale, "verbale")
        assert error.value.reason == "invito_bonario_first"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_ultimo_avviso_amounts_equal_the_engine(portal_app, db_session, lang):
    with portal_app.app_context():
        ente = new_ente()
        person = italian(ente, language=lang)
        verbale = notified(ente, person, days_ago=90)
        position = build_position(verbale, today())
        produced = produce(verbale, "ultimo_avviso")
        text = _text(produced)
        with force_locale(lang):
            assert money(position.quote.total) in text
            assert money(Decimal("86.50")) in text
        assert produced.letter.details["total"] == str(position.quote.total)
        assert produced.letter.details["pay_by"]
        assert produced.letter.pages >= 2  # with the pagoPA notice


def test_ultimo_avviso_not_before_the_minimum_window_ends(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        verbale = notified(ente, italian(ente), days_ago=20)
        with pytest.raises(NotEligible):
            produce(verbale, "ultimo_avviso")


@pytest.mark.parametrize("lang", ["it", "es"])
def test_ingiunzione_with_surcharge(portal_app, db_session, lang):
    with portal_app.app_context():
        ente = new_ente()
        person = italian(ente, language=lang) if lang == "it" else factories.foreign_person(ente, "ES", "es")
        verbale = notified(ente, person, days_ago=61 + 200, status=VerbaleStatus.ENFORCEMENT)
        position = build_position(verbale, today())
        assert position.quote.surcharge > 0  # the engine's art. 27 surcharge
        produced = produce(verbale, "ingiunzione")
        content = produced.content
        expected = ("it",) if lang == "it" else ("it", "es")
        assert content.languages == expected
        for section in content.sections:
            with force_locale(section.lang):
                text = "\n".join(section.lines())
                assert money(position.quote.surcharge) in text
                assert money(position.quote.total) in text
        assert "639" in content.text()


def test_verification_codes_are_unique_and_well_formed(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        seen = {codes.new_verification_code() for _ in range(300)}
        assert len(seen) == 300 and all(codes.is_valid(c) for c in seen)
        assert all(not set(c) & set("01IO") for c in seen)
        verbali = [assessed(ente, italian(ente)) for _ in range(3)]
        letters = [produce(v, "verbale").letter for v in verbali]
        assert len({x.verification_code for x in letters}) == 3
        assert codes.normalise(letters[0].verification_code.lower().replace("-", " ")) == \
            letters[0].verification_code


def test_sha256_in_archive_equals_the_stored_file(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        letter = produce(assessed(ente, italian(ente)), "verbale").letter
        db.session.commit()
        stored = db.session.get(Letter, letter.id)
        assert hashlib.sha256(storage.read(stored.storage_key)).hexdigest() == stored.sha256
        assert stored.kind == LetterKind.VERBALE
