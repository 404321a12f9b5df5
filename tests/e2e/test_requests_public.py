"""Public requests, messages on a verbale and the letter check in the real browser (Debian's
Chromium through Playwright) against the demo served by core.devserver, on a phone-sized
screen, with axe-core checking WCAG 2.1 AA (no serious or critical violation).

* every request type (complaint, information, access to documents, simple and generalised
  civic access) in Spanish and in Italian: form → e-mail link read from the demo's mail
  catcher → "Confirm and send" → protocol number → status by protocol + e-mail;
* a Spanish driver writes on a verbale with an attachment, an agent answers from the console
  (and adds an internal note), the driver is told by e-mail and reads the answer;
* anyone checks a letter's verification code: genuine (typed carelessly) and unknown.
"""

from __future__ import annotations

import re
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pyotp
import pytest

from core.demo.data import demo_totp_secret

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 800}
ENTE = "Comune di Siracusa"
PROTOCOL = re.compile(r"SIRACUSA-\d{4}-\d{6}")
FORMS = {
    "complaint": {"text": {"es": "El operador no contestó a mi correo.", "it": "L'operatore non ha risposto alla mia e-mail."}},
    "information": {"text": {"es": "¿Puedo pagar con una tarjeta extranjera?", "it": "Posso pagare con una carta estera?"}},
    "access": {"identity_document": {"es": "Pasaporte XK1234567", "it": "Carta d'identità CA12345AB"},
               "documents": {"es": "Certificado de calibración del radar", "it": "Certificato di taratura dell'autovelox"},
               "interest": {"es": "Recibí la multa y quiero comprobar el aparato.", "it": "Ho ricevuto la multa e voglio verificare l'apparecchio."}},
    "civic-simple": {"documents": {"es": "Informe anual sobre el uso de las multas (art. 142)", "it": "Relazione annuale sui proventi delle multe (art. 142)"}},
    "civic-generalised": {"documents": {"es": "Contrato con el concesionario", "it": "Contratto con il concessionario"}},
}


def _mails(mail_dir: Path) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))] if mail_dir.exists() else []


def _wait_for_mail(mail_dir: Path, predicate, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in _mails(mail_dir) if predicate(m)]
        if found:
            return found[-1]
        time.sleep(0.3)
    raise AssertionError("expected e-mail not received")


def _no_violations(axe, page, where: str) -> None:
    found = axe(page)
    assert found == [], f"{where}: {found}"


def _context(browser, lang: str):
    # bypass_csp only so the axe-core script can be injected into the pages.
    return browser.new_context(viewport=PHONE, bypass_csp=True, locale=f"{lang}-{lang.upper()}")


def request_journey(browser, axe, portal: str, mail_dir: Path, slug: str, lang: str) -> str:
    """Fill, confirm by e-mail and follow one request; returns its protocol number."""
    ctx = _context(browser, lang)
    page = ctx.new_page()
    address = f"{slug}.{lang}.{uuid.uuid4().hex[:6]}@example.org"
    page.goto(f"{portal}/requests/?lang={lang}")
    page.click(f"a[href$='/requests/new/{slug}']")
    assert page.get_attribute("html", "lang") == lang
    # A first attempt without the required fields: the error summary, nothing lost.
    page.fill("#name", "Lucía Pérez Rossi")
    page.click("form.app-form button[type=submit]:not([name])")
    assert page.locator("#error-summary").count() == 1
    assert page.input_value("#name") == "Lucía Pérez Rossi"
    _no_violations(axe, page, f"{slug} form with errors ({lang})")
    page.select_option("#ente", label=ENTE)
    page.fill("#email", address)
    for name, texts in FORMS[slug].items():
        page.fill(f"#{name}", texts[lang])
    if slug == "access":
        page.select_option("#capacity", "owner")
    if slug in ("access", "civic-generalised"):
        page.click("label[for='delivery-0']")  # Bootstrap Italia draws the radio on the label
    page.set_input_files("#attachments", files=[{"name": "ricevuta.pdf", "mimeType": "application/pdf",
                                                 "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"}])
    page.click("label[for='privacy']")
    page.click("form.app-form button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r".*/requests/sent.*"))
    assert page.locator(".alert-success").count() == 1
    _no_violations(axe, page, f"check your e-mail ({lang})")

    mail = _wait_for_mail(mail_dir, lambda m: m["To"] == address and "/requests/confirm/" in m.get_content())
    link = re.search(r"https?://\S+/requests/confirm/\S+", mail.get_content()).group(0)
    page.goto(link)
    assert "Lucía Pérez Rossi" in page.content() and "ricevuta.pdf" in page.content()
    _no_violations(axe, page, f"confirm and send ({lang})")
    page.click("main form button[type=submit]")
    protocol = page.locator(".app-protocol").inner_text().strip()
    assert PROTOCOL.fullmatch(protocol), protocol
    _no_violations(axe, page, f"request received ({lang})")
    ack = _wait_for_mail(mail_dir, lambda m: m["To"] == address and protocol in m["Subject"])
    assert protocol in ack.get_content()
    page.goto(link)  # the link works once
    assert PROTOCOL.search(page.content()) is None

    page.goto(f"{portal}/requests/status?lang={lang}")
    page.fill("#protocol", protocol.lower())
    page.fill("#email", address.upper())
    page.click("main form button[type=submit]")
    assert protocol in page.inner_text("main")
    assert FORMS[slug][next(iter(FORMS[slug]))][lang] in page.inner_text("main")  # their own words
    _no_violations(axe, page, f"status of {slug} ({lang})")
    ctx.close()
    return protocol


@pytest.mark.parametrize("lang", ["es", "it"])
@pytest.mark.parametrize("slug", list(FORMS))
def test_public_request_in_two_languages(live_servers, live_env, browser, axe, slug, lang):
    request_journey(browser, axe, live_servers["portal"], Path(live_env["INSTANCE_PATH"]) / "mail",
                    slug, lang)


def _staff_sign_in(page, cc: str, email: str, password: str) -> None:
    page.goto(f"{cc}/sign-in?lang=es")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.app-form button[type=submit]")
    page.fill("#code", pyotp.TOTP(demo_totp_secret(email)).now())
    page.click("form.app-form button[type=submit]")


def messages_journey(browser, axe, portal: str, cc: str, mail_dir: Path) -> None:
    ctx = _context(browser, "es")
    page = ctx.new_page()
    page.goto(f"{portal}/sign-in?lang=es")
    page.fill("#username", "SR-DEMO-ES")
    page.fill("#password", "Demo-Javier-2026!")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/my-position.*"))
    # A verified e-mail address, to be told when the operator answers.
    address = f"javier.{uuid.uuid4().hex[:6]}@example.es"
    page.goto(f"{portal}/account/email?lang=es")
    page.fill("#email", address)
    page.click("main form button[type=submit]")
    confirm = _wait_for_mail(mail_dir, lambda m: m["To"] == address and "/account/email/verify/" in m.get_content())
    page.goto(re.search(r"https?://\S+/account/email/verify/\S+", confirm.get_content()).group(0))

    page.goto(f"{portal}/my-position/?lang=es")
    href = page.locator("a[href*='/my-position/verbale/']").first.get_attribute("href")
    verbale_id = re.search(r"/my-position/verbale/(\d+)", href).group(1)
    thread = f"{portal}/my-position/verbale/{verbale_id}/messages"
    page.goto(f"{thread}?lang=es")
    assert page.get_attribute("html", "lang") == "es"
    _no_violations(axe, page, "empty thread")
    page.fill("#body", "¿Puedo pagar en dos veces? Adjunto la foto del aviso.")
    page.set_input_files("#attachments", files=[{"name": "aviso.png", "mimeType": "image/png",
                                                 "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}])
    page.click("form.app-form button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    assert "¿Puedo pagar en dos veces?" in page.inner_text("main") and "aviso.png" in page.inner_text("main")
    protocol = PROTOCOL.search(page.inner_text("main")).group(0)
    _no_violations(axe, page, "thread with a message")

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    _staff_sign_in(desk, cc, "agente.siracusa@demo.multe.example.org", "Demo-Agente-2026!")
    desk.goto(f"{cc}/cases/?view=all&q={protocol}")
    desk.click(f"text={protocol}")
    assert "aviso.png" in desk.content()
    desk.fill("form[action$='/note'] textarea", "Nota interna: verificare i pagamenti.")
    desk.click("form[action$='/note'] button[type=submit]")
    desk.fill("#body", "Sí: puede pedir el pago a plazos desde la página de la multa.")
    desk.click("form[action$='/reply'] button[type=submit]")
    staff.close()

    answer = _wait_for_mail(mail_dir, lambda m: m["To"] == address and protocol in m["Subject"]
                            and "plazos desde" in m.get_content())
    assert f"/my-position/verbale/{verbale_id}/messages" in answer.get_content()
    assert "Nota interna" not in answer.get_content()
    page.goto(f"{thread}?lang=es")
    main = page.inner_text("main")
    assert "puede pedir el pago a plazos" in main and "Nota interna" not in main
    _no_violations(axe, page, "thread with the answer")
    ctx.close()


def test_messages_on_a_verbale(live_servers, live_env, browser, axe):
    messages_journey(browser, axe, live_servers["portal"], live_servers["cc"],
                     Path(live_env["INSTANCE_PATH"]) / "mail")


def add_letter(database_url: str, code: str) -> None:
    """A letter in the archive of the served demo (its database is a file of its own)."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from core.models import Ente, Letter, Verbale

    engine = create_engine(database_url)
    with Session(engine) as session:
        ente = session.scalars(select(Ente).where(Ente.name == ENTE)).one()
        verbale = session.scalars(select(Verbale).where(Verbale.ente_id == ente.id).order_by(Verbale.id)).first()
        if session.scalars(select(Letter).where(Letter.verification_code == code)).first() is None:
            session.add(Letter(ente_id=ente.id, verbale_id=verbale.id, person_id=verbale.offender_id,
                               kind="invito_bonario", sequence=99, verification_code=code,
                               storage_key="letters/e2e.pdf", sha256="0" * 64, pages=2))
            session.commit()
    engine.dispose()


def letter_check_journey(browser, axe, portal: str, database_url: str) -> None:
    add_letter(database_url, "E2E7-QMTX-4WDE")
    ctx = _context(browser, "es")
    page = ctx.new_page()
    page.goto(f"{portal}/?lang=es")
    page.click("a[href$='/verify']")
    _no_violations(axe, page, "letter check")
    page.fill("#code", " e2e7 qmtx 4wde ")
    page.click("main form button[type=submit]")
    main = page.inner_text("main")
    assert page.locator(".alert-success").count() == 1 and ENTE in main and "E2E7-QMTX-4WDE" in main
    assert "IT" in main  # the creditor's IBAN
    _no_violations(axe, page, "genuine letter")
    page.fill("#code", "ZZZZ-ZZZZ-ZZZZ")
    page.click("main form button[type=submit]")
    assert page.locator(".alert-danger").count() == 1 and ENTE not in page.inner_text("main .alert-danger")
    _no_violations(axe, page, "unknown letter")
    ctx.close()


def test_letter_check(live_servers, live_env, browser, axe):
    letter_check_journey(browser, axe, live_servers["portal"], live_env["DATABASE_URL"])
