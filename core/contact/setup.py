"""Default queues and routing rules of an Ente, from the seeds' contact-center organisation:
traffic fines (CDS), foreign-driver assistance, verbali, assistance, DPO, tenders. Each Ente
can then change them (they are rows, not constants)."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.models import Queue, RoutingRule

FOREIGN = ["en", "fr", "de", "es"]

DEFAULT_QUEUES = [
    ("traffic_fines", {"it": "Multe stradali (CDS)", "en": "Traffic fines", "fr": "Amendes routières",
                       "de": "Verkehrsbußgelder", "es": "Multas de tráfico"}, ["it"]),
    ("foreign_drivers", {"it": "Assistenza esteri", "en": "Foreign-driver assistance",
                         "fr": "Assistance conducteurs étrangers", "de": "Hilfe für ausländische Fahrer",
                         "es": "Asistencia a conductores extranjeros"}, FOREIGN),
    ("verbali", {"it": "Verbali e ricorsi", "en": "Verbali and appeals", "fr": "Verbali et recours",
                 "de": "Verbali und Einsprüche", "es": "Verbali y recursos"}, ["it"]),
    ("assistance", {"it": "Assistenza", "en": "Assistance", "fr": "Assistance", "de": "Hilfe",
                    "es": "Asistencia"}, ["it"]),
    ("dpo", {"it": "Responsabile protezione dati (DPO)", "en": "Data protection officer (DPO)",
             "fr": "Délégué à la protection des données", "de": "Datenschutzbeauftragter",
             "es": "Delegado de protección de datos"}, ["it"]),
    ("tenders", {"it": "Gare e fornitori", "en": "Tenders", "fr": "Marchés publics",
                 "de": "Ausschreibungen", "es": "Licitaciones"}, ["it"]),
]

# (channel, type, language, queue code): first match wins.
DEFAULT_RULES = [
    (None, "access", None, "dpo"),
    (None, "civic_access", None, "dpo"),
    (None, "incident_blocking", None, "assistance"),
    (None, "incident_minor", None, "assistance"),
    *[(None, None, lang, "foreign_drivers") for lang in FOREIGN],
    (None, "appeal", None, "verbali"),
    (None, "driver_data", None, "verbali"),
    (None, "instalments", None, "verbali"),
    (None, None, None, "traffic_fines"),
]


def ensure_default_queues(ente_id: int) -> dict[str, Queue]:
    """Create the default queues and rules of an Ente if it has none; idempotent."""
    existing = {q.code: q for q in db.session.scalars(select(Queue).where(Queue.ente_id == ente_id))}
    if existing:
        return existing
    queues = {}
    for code, names, languages in DEFAULT_QUEUES:
        queues[code] = Queue(ente_id=ente_id, code=code, name=names, languages=languages)
        db.session.add(queues[code])
    db.session.flush()
    for position, (channel, case_type, language, code) in enumerate(DEFAULT_RULES, start=1):
        db.session.add(RoutingRule(ente_id=ente_id, position=position, channel=channel,
                                   case_type=case_type, language=language, queue_id=queues[code].id))
    db.session.flush()
    return queues
