"""E-mails to citizens about their case: acknowledgement with the protocol number, replies
(subject carries the protocol so answers thread back onto the case), survey invitation.
All are queued to run after the commit and written in the case's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import URLSafeSerializer

from core import db, jobs, mail
from core.models import Case, CaseMessage


def _recipient(case: Case) -> str | None:
    if case.requester_email:
        return case.requester_email
    person = case.person
    if person is not None and person.email and person.email_verified_at:
        return person.email
    return None


def subject_tag(case: Case) -> str:
    return f"[{case.protocol}]"


def acknowledge(case: Case) -> None:
    if _recipient(case):
        jobs.enqueue(send_acknowledgement, case.id)


def notify_reply(case: Case, message: CaseMessage) -> None:
    if _recipient(case):
        db.session.flush()
        jobs.enqueue(send_reply, case.id, message.id)


def send_survey_invitation(case: Case) -> None:
    if _recipient(case) and case.merged_into_id is None:
        jobs.enqueue(send_survey, case.id)


def survey_token(case: Case) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="case-survey").dumps(case.id)


def case_from_survey_token(token: str) -> int | None:
    from itsdangerous import BadSignature

    try:
        return int(URLSafeSerializer(current_app.config["SECRET_KEY"], salt="case-survey").loads(token))
    except (BadSignature, ValueError, TypeError):
        return None


def _portal_url(endpoint: str, **values) -> str:
    """Links into the portal from either app (the contact center has no portal routes)."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    paths = {"case_status": "/requests/status", "survey": "/requests/survey/{token}",
             "verbale_messages": "/my-position/verbale/{verbale_id}/messages"}
    return base + paths[endpoint].format(**values)


def send_acknowledgement(case_id: int) -> None:
    case = db.session.get(Case, case_id)
    to = _recipient(case)
    if not to:
        return
    with force_locale(str(case.language)):
        subject = f"{subject_tag(case)} " + _("We have received your request")
        text = _("Your request has been registered with protocol number %(protocol)s on "
                 "%(date)s.\n\nKeep this number: you can follow the status of your request on "
                 "%(url)s and quote it if you write to us again (reply to this e-mail keeping "
                 "the subject).\n\n%(sender)s",
                 protocol=case.protocol, date=case.opened_at.date().isoformat(),
                 url=_portal_url("case_status"), sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=to, subject=subject, text=text))


def send_reply(case_id: int, message_id: int) -> None:
    case = db.session.get(Case, case_id)
    message = db.session.get(CaseMessage, message_id)
    to = _recipient(case)
    if not to or message is None or message.internal:
        return
    thread = (case.payload or {}).get("thread") == "verbale"  # messages on a verbale
    with force_locale(str(case.language)):
        subject = f"{subject_tag(case)} " + _("Answer to your request")
        if thread:
            text = _("%(body)s\n\n—\nProtocol %(protocol)s. Read the whole conversation about "
                     "fine no. %(number)s and answer in the portal, after signing in with your "
                     "codes: %(url)s\nYou can also reply to this e-mail keeping the subject.\n"
                     "%(sender)s", body=message.body, protocol=case.protocol,
                     number=case.payload.get("verbale_number", ""),
                     url=_portal_url("verbale_messages", verbale_id=case.payload.get("verbale_id")),
                     sender=current_app.config["CONCESSIONAIRE_NAME"])
        else:
            text = _("%(body)s\n\n—\nProtocol %(protocol)s. To answer, reply to this e-mail keeping "
                     "the subject, or use the portal.\n%(sender)s",
                     body=message.body, protocol=case.protocol,
                     sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=to, subject=subject, text=text))


def send_survey(case_id: int) -> None:
    case = db.session.get(Case, case_id)
    to = _recipient(case)
    if not to:
        return
    with force_locale(str(case.language)):
        subject = f"{subject_tag(case)} " + _("How did we do?")
        text = _("Your request %(protocol)s has been closed. Would you tell us how satisfied "
                 "you are, from 1 to 5? It takes one minute:\n\n%(url)s\n\n%(sender)s",
                 protocol=case.protocol,
                 url=_portal_url("survey", token=survey_token(case)),
                 sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=to, subject=subject, text=text))
