"""Shared helpers for the letter tests: an Ente with costs and its own IUV range, verbali in
each state a letter needs, and the text of a produced letter."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from core import db
from core.models import Ente, IuvCounter, VerbaleStatus
from core.positions import local_today
from tests import factories

# Each test Ente starts its IUV sequence at its own base (notice numbers are unique).
_BASES = itertools.count(5 * 10**12, 10**4)


def today() -> date:
    return local_today()


def new_ente(**kw: Any) -> Ente:
    ente = factories.ente(address=kw.pop("address", "Piazza Municipio 1, 20017 Rho (MI)"),
                          phone=kw.pop("phone", "+39 02 000 000"),
                          pec=kw.pop("pec", "verbali@pec.example.org"),
                          contact_hours=kw.pop("contact_hours", {"it": "lun-ven 9-13",
                                                                  "de": "Mo-Fr 9-13 Uhr"}),
                          **kw)
    db.session.add(IuvCounter(ente_id=ente.id, last_base=next(_BASES)))
    for channel, notification, procedure in (("post", "12.60", "3.00"),
                                             ("international_mail", "21.00", "9.50")):
        factories.ente_cost(ente, channel, "notification", notification)
        factories.ente_cost(ente, channel, "procedure", procedure)
    db.session.commit()
    return ente


def italian(ente: Ente, **kw: Any):
    return factories.person(ente, fiscal_code=kw.pop("fiscal_code", None),
                            address_line=kw.pop("address_line", "Via Roma 10"),
                            postal_code=kw.pop("postal_code", "20017"), city=kw.pop("city", "Rho"),
                            province=kw.pop("province", "MI"), **kw)


def assessed(ente: Ente, person, **kw: Any):
    """A verbale assessed 10 days ago, not yet notified (42.00–173.00)."""
    return factories.verbale(ente, person, status=VerbaleStatus.ASSESSED, notified_on=None,
                             assessed_on=kw.pop("assessed_on", today() - timedelta(days=10)), **kw)


def notified(ente: Ente, person, days_ago: int, **kw: Any):
    """A verbale notified ``days_ago`` days ago (by post)."""
    day0 = today() - timedelta(days=days_ago)
    return factories.verbale(ente, person, status=kw.pop("status", VerbaleStatus.NOTIFIED),
                             notified_on=day0, notification_channel=kw.pop("channel", "post"),
                             assessed_on=kw.pop("assessed_on", day0 - timedelta(days=10)), **kw)
