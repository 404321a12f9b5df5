"""Fixed demo identities: the sign-ins the README lists, the staff accounts and the citizens
("personas") whose positions show the product's main paths.

Everything here is deterministic: the same usernames and passwords on every load.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from core.models import StaffRole

DEMO_EMAIL_DOMAIN = "demo.multe.example.org"
DEMO_SEED = 20260514  # seed of every random choice of the base demo

# Every demo citizen without a persona of their own signs in with their username (shown in
# the contact center) and this password: one hash, computed once per load.
DEMO_CITIZEN_PASSWORD = "Demo-Cittadino-2026!"  # noqa: S105 - public demo password
# Citizens created by ``demo load --verbali N`` (every 1000th person has a credential).
BULK_CITIZEN_PASSWORD = "Demo-Massivo-2026!"  # noqa: S105 - public demo password


@dataclass(frozen=True)
class SignIn:
    app: str  # "portal" (citizens) or "contact_center" (staff)
    persona: str
    username: str
    password: str
    language: str
    shows: str
    # Staff: the demo account's enrolled TOTP secret (base32); `flask demo totp EMAIL`
    # prints the current code, or add the secret to any authenticator app.
    totp_secret: str = ""


def current_totp(secret: str) -> str:
    """The code an authenticator shows now for ``secret`` (the contact center's parameters)."""
    import pyotp

    try:
        from core.staff import TOTP_DIGITS, TOTP_INTERVAL
    except ImportError:  # pragma: no cover - the staff module defines the parameters
        TOTP_DIGITS, TOTP_INTERVAL = 6, 30  # noqa: N806
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL).now()


def demo_totp_secret(email: str) -> str:
    """The deterministic TOTP secret (160 bits, base32) of a demo staff account."""
    digest = hashlib.sha256(f"{DEMO_SEED}-totp-{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


@dataclass(frozen=True)
class StaffSpec:
    email: str
    name: str
    role: StaffRole
    languages: tuple[str, ...]
    enti: tuple[str, ...]  # Ente codes; empty for an admin means all
    password: str

    @property
    def totp_secret(self) -> str:
        return demo_totp_secret(self.email)


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(f"agente@{DEMO_EMAIL_DOMAIN}", "Chiara Colombo", StaffRole.AGENT,
              ("it", "en", "de"), ("RHO",), "Demo-Agente-2026!"),
    StaffSpec(f"agente.siracusa@{DEMO_EMAIL_DOMAIN}", "Salvatore Caruso", StaffRole.AGENT,
              ("it", "en", "fr", "es"), ("SIRACUSA",), "Demo-Agente-2026!"),
    StaffSpec(f"agente.esteri@{DEMO_EMAIL_DOMAIN}", "Anna Weber", StaffRole.AGENT,
              ("de", "en", "fr", "it"), ("RHO", "SIRACUSA"), "Demo-Agente-2026!"),
    StaffSpec(f"supervisore@{DEMO_EMAIL_DOMAIN}", "Marco Ferrari", StaffRole.SUPERVISOR,
              ("it", "en"), ("RHO", "SIRACUSA"), "Demo-Supervisore-2026!"),
    StaffSpec(f"admin@{DEMO_EMAIL_DOMAIN}", "Paola Greco", StaffRole.ADMIN,
              ("it", "en"), (), "Demo-Admin-2026!"),
    StaffSpec(f"comune.rho@{DEMO_EMAIL_DOMAIN}", "Roberto Villa (Polizia Locale di Rho)",
              StaffRole.ENTE_VIEWER, ("it",), ("RHO",), "Demo-Comune-2026!"),
    StaffSpec(f"comune.siracusa@{DEMO_EMAIL_DOMAIN}",
              "Concetta La Rosa (Polizia Municipale di Siracusa)", StaffRole.ENTE_VIEWER,
              ("it",), ("SIRACUSA",), "Demo-Comune-2026!"),
)


@dataclass(frozen=True)
class Persona:
    key: str
    ente: str
    country: str
    first_name: str
    last_name: str
    female: bool
    city: str  # must be a place of the country's pool (or the Ente's residences for IT)
    username: str
    password: str
    shows: str
    company: int | None = None  # index into people.IT_COMPANIES[ente] for a legal person


PERSONAS: tuple[Persona, ...] = (
    Persona("it", "RHO", "IT", "Giulia", "Bianchi", True, "Rho", "RHO-DEMO-IT",
            "Demo-Giulia-2026!",
            "Speeding on the SS33 (2 photos, SEND, inside the 60-day window) and a paid "
            "parking fine"),
    Persona("de", "SIRACUSA", "DE", "Lukas", "Müller", False, "München", "SR-DEMO-DE",
            "Demo-Lukas-2026!",
            "Speeding in Siracusa: friendly letter delivered 2 days ago, 30 % reduction "
            "without costs, 2 photos and device documents"),
    Persona("fr", "SIRACUSA", "FR", "Camille", "Dubois", True, "Lyon", "SR-DEMO-FR",
            "Demo-Camille-2026!",
            "Red light in Siracusa notified by international mail 25 days ago: payable "
            "(minimum + costs), photos"),
    Persona("es", "SIRACUSA", "ES", "Javier", "García López", False, "Madrid", "SR-DEMO-ES",
            "Demo-Javier-2026!",
            "Rental car (owner Noleggio Aretusa S.r.l.): ZTL Ortigia notified 12 days ago "
            "and a second ZTL fine already paid"),
    Persona("en", "RHO", "GB", "Oliver", "Smith", False, "London", "RHO-DEMO-EN",
            "Demo-Oliver-2026!",
            "Speeding in Rho, partially paid (sanction paid, costs missing)"),
    Persona("company", "RHO", "IT", "", "", False, "Rho", "RHO-DEMO-AZ",
            "Demo-Azienda-2026!",
            "Company owner (Logistica Sempione S.r.l.): speeding by PEC 15 days ago with the "
            "duty to name the driver (art. 126-bis)", company=0),
)

PERSONA_LANGUAGE = {"it": "it", "de": "de", "fr": "fr", "es": "es", "en": "en", "company": "it"}


def _staff_shows(spec: StaffSpec) -> str:
    scope = ", ".join(spec.enti) if spec.enti else "all Enti"
    return f"{spec.role.value} for {scope}; languages {', '.join(spec.languages)}"


DEMO_SIGN_INS: tuple[SignIn, ...] = tuple(
    SignIn("portal", f"{p.key} citizen" if p.key != "company" else "company owner",
           p.username, p.password, PERSONA_LANGUAGE[p.key], p.shows)
    for p in PERSONAS
) + tuple(
    SignIn("contact_center", spec.name, spec.email, spec.password, spec.languages[0],
           _staff_shows(spec), spec.totp_secret)
    for spec in STAFF
)
