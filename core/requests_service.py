"""Requests citizens leave without signing in."""

from __future__ import annotations

from core import audit, db
from core.models import Language, LostCodesRequest


def store_lost_codes_request(data: dict, language: str) -> LostCodesRequest:
    request = LostCodesRequest(
        name=data["name"].strip(),
        email=data["email"].strip(),
        verbale_number=(data.get("verbale_number") or "").strip(),
        plate=(data.get("plate") or "").strip().upper(),
        message=(data.get("message") or "").strip(),
        language=Language(language),
    )
    db.session.add(request)
    db.session.flush()
    audit.record("citizen.lost_codes_request", actor_type="citizen", actor_id=None,
                 object_type="lost_codes_request", object_id=request.id)
    return request
