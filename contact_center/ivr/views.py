"""Twilio voice webhooks. Twilio is stateless between requests: the call's state (Ente,
language, failed attempts, typed verbale number) travels in the query string of each action
URL, which the signature covers. Every webhook is ``twilio_signed`` and CSRF-exempt; the
simulator page is for signed-in staff.

Call metrics (:mod:`core.ivr.tracking`): the menus record the call's steps; ``<Enqueue>`` has an
``action`` (``/ivr/queue-result``: ``QueueResult``, ``QueueTime``) and a ``waitUrl``
(``/ivr/wait``: ``QueuePosition``, ``QueueTime``, ``AvgQueueTime``, ``CurrentQueueSize``).
Configure on the Twilio number: voice URL ``<TWILIO_WEBHOOK_BASE_URL>/ivr/voice`` and status
callback URL ``<TWILIO_WEBHOOK_BASE_URL>/ivr/status`` (``CallStatus``, ``CallDuration``); the
operators' ``<Dial><Queue url=…>`` may point at ``/ivr/connect`` to time the answer exactly."""

from __future__ import annotations

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests

from core import db
from core.extensions import csrf, enforce_limits
from core.ivr import calls, lookup, tracking
from core.ivr.prompts import LANGUAGE_KEYS, LANGUAGE_WORDS, LANGUAGES, text
from core.ivr.sms import send_sms
from core.models import StaffRole, Verbale
from core.positions import local_today

from ..auth.guards import roles_required
from . import twiml
from .security import twilio_signed, webhook_base_url

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
csrf.exempt(bp)

TOPIC_QUEUES = {"2": "appeals", "3": "driver_data", "4": "general"}
MAX_MENU_FAILURES = 2
MAX_PIN_FAILURES = 3


# --- helpers -----------------------------------------------------------------------------

def _xml(vr) -> Response:
    return Response(str(vr), mimetype="text/xml")


def _hook(endpoint: str, **params) -> str:
    """Absolute public URL of a webhook (what Twilio will call and sign)."""
    path = url_for(endpoint, **params)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return webhook_base_url() + path


def _int_arg(name: str) -> int:
    try:
        return max(0, int(request.args.get(name, 0)))
    except ValueError:
        return 0


def _int_form(name: str) -> int:
    try:
        return max(0, int(request.form.get(name) or 0))
    except ValueError:
        return 0


def _sid() -> str:
    return (request.form.get("CallSid") or "")[:64]


def _caller() -> str:
    return (request.form.get("From") or "")[:40]


def _state():
    ente = lookup.ente_by_code(request.args.get("ente")) or lookup.ente_for_number(
        request.form.get("To"), current_app.config.get("IVR_NUMBERS", {}))
    lang = request.args.get("lang")
    return ente, (lang if lang in LANGUAGES else "it"), _int_arg("tries")


def _key() -> str:
    digits = (request.form.get("Digits") or "").strip()
    if digits:
        return digits
    speech = request.form.get("SpeechResult") or ""
    return next((c for c in speech if c.isdigit()), "")


def _portal(ente) -> str:
    url = ente.portal_url or current_app.config.get("PORTAL_BASE_URL", "")
    return url.split("://", 1)[-1].rstrip("/")


def _enqueue(ente, lang: str, queue: str, prefix: str = "") -> Response:
    name = f"{ente.code}-{queue}-{lang}"
    wait = _hook("ivr.wait", ente=ente.code, lang=lang, q=queue)
    action = _hook("ivr.queue_result", ente=ente.code, lang=lang, q=queue)
    tracking.entered_queue(ente, _sid(), _caller(), lang, queue)
    return _xml(twiml.enqueue(lang, name, wait, prefix, action=action))


def _retry(ente, lang: str, tries: int, render, queue: str = "general") -> Response:
    """A failed input: repeat the node, or after two failures hand over to a human."""
    tries += 1
    prefix = text(lang, "not_understood")
    if tries >= MAX_MENU_FAILURES:
        return _enqueue(ente, lang, queue, prefix)
    return render(tries, prefix)


def _language_menu(ente, tries: int = 0, prefix: str = "") -> Response:
    action = _hook("ivr.language", ente=ente.code, tries=tries)
    return _xml(twiml.language_menu(ente.name, action, prefix))


def _topics(ente, lang: str, tries: int = 0, prefix: str = "") -> Response:
    action = _hook("ivr.topic", ente=ente.code, lang=lang, tries=tries)
    return _xml(twiml.menu(lang, "topics", action, prefix))


def _pay_menu(ente, lang: str, tries: int = 0, prefix: str = "") -> Response:
    action = _hook("ivr.pay", ente=ente.code, lang=lang, tries=tries)
    return _xml(twiml.menu(lang, "pay_menu", action, prefix))


def _ask_number(ente, lang: str, tries: int = 0, prefix: str = "", attempts: int = 0) -> Response:
    action = _hook("ivr.number", ente=ente.code, lang=lang, tries=tries, a=attempts)
    return _xml(twiml.keypad_entry(lang, "ask_number", action, prefix))


def _ask_pin(ente, lang: str, number: str, attempts: int, prefix: str = "") -> Response:
    action = _hook("ivr.pin", ente=ente.code, lang=lang, n=number, a=attempts)
    return _xml(twiml.keypad_entry(lang, "ask_pin", action, prefix))


def _money(amount, lang: str) -> str:
    return format_decimal(amount, format="#,##0.00", locale=lang)


def _amount(ente, verbale: Verbale, lang: str, tries: int = 0, prefix: str = "") -> Response:
    info = lookup.amount_due(verbale, local_today(ente, calls.now()))
    parts = [prefix] if prefix else []
    if info is None or info.total <= 0:
        parts.append(text(lang, "nothing_due"))
    else:
        parts.append(text(lang, "amount", amount=_money(info.total, lang)))
        if info.next_change:
            parts.append(text(lang, "amount_changes",
                              date=format_date(info.next_change, "d MMMM y", locale=lang)))
        parts.append(text(lang, "ways_to_pay", portal=_portal(ente)))
    action = _hook("ivr.sms", ente=ente.code, lang=lang, v=verbale.id, tries=tries)
    return _xml(twiml.menu(lang, "offer_sms", action, " ".join(parts)))


def _opening(ente, lang: str) -> str:
    at = lookup.reopens_at(ente, calls.now())
    return f"{format_date(at, 'EEEE d MMMM', locale=lang)}, {format_time(at, 'HH:mm', locale=lang)}"


# --- webhooks ----------------------------------------------------------------------------

@bp.post("/voice")
@twilio_signed
def voice():
    ente = lookup.ente_for_number(request.form.get("To"), current_app.config.get("IVR_NUMBERS", {}))
    if ente is None:
        return _xml(twiml.goodbye("it", text("it", "not_understood")))
    tracking.call_started(ente, _sid(), _caller())
    return _language_menu(ente)


@bp.post("/language")
@twilio_signed
def language():
    ente, _, tries = _state()
    key = (request.form.get("Digits") or "").strip()
    if key in ("*", "0"):
        return _language_menu(ente, tries)
    lang = LANGUAGE_KEYS.get(key)
    speech = (request.form.get("SpeechResult") or "").lower()
    if lang is None and speech:
        lang = next((code for code, words in LANGUAGE_WORDS.items()
                     if any(w in speech for w in words)), None)
    if lang is None:
        return _retry(ente, "it", tries, lambda t, p: _language_menu(ente, t, p))
    if not lookup.office_open(ente, calls.now()):
        tracking.out_of_hours(ente, _sid(), _caller(), lang)
        action = _hook("ivr.voicemail", ente=ente.code, lang=lang)
        return _xml(twiml.closed(lang, _opening(ente, lang), _portal(ente), action))
    tracking.language_chosen(ente, _sid(), _caller(), lang)
    return _topics(ente, lang)


@bp.post("/topic")
@twilio_signed
def topic():
    ente, lang, tries = _state()
    key = _key()
    if key == "*":
        return _topics(ente, lang, tries)
    if key == "0":
        return _language_menu(ente)
    if key == "1":
        return _pay_menu(ente, lang)
    if key in TOPIC_QUEUES:
        return _enqueue(ente, lang, TOPIC_QUEUES[key])
    return _retry(ente, lang, tries, lambda t, p: _topics(ente, lang, t, p))


@bp.post("/pay")
@twilio_signed
def pay():
    ente, lang, tries = _state()
    key = _key()
    if key == "*":
        return _pay_menu(ente, lang, tries)
    if key == "0":
        return _topics(ente, lang)
    if key == "1":
        return _ask_number(ente, lang)
    if key == "2":
        return _enqueue(ente, lang, "payments")
    return _retry(ente, lang, tries, lambda t, p: _pay_menu(ente, lang, t, p), "payments")


@bp.post("/number")
@twilio_signed
def number():
    ente, lang, tries = _state()
    attempts = _int_arg("a")
    key = (request.form.get("Digits") or "").strip()
    if key == "*":
        return _ask_number(ente, lang, tries, attempts=attempts)
    if key == "0":
        return _pay_menu(ente, lang)
    if len(lookup.digits_of(key)) < 4:
        return _retry(ente, lang, tries,
                      lambda t, p: _ask_number(ente, lang, t, p, attempts), "payments")
    return _ask_pin(ente, lang, lookup.digits_of(key)[:30], attempts)


@bp.post("/pin")
@twilio_signed
def pin():
    ente, lang, _ = _state()
    attempts, typed_number = _int_arg("a"), request.args.get("n", "")
    key = (request.form.get("Digits") or "").strip()
    if key == "*":
        return _ask_pin(ente, lang, typed_number, attempts)
    if key == "0":
        return _ask_number(ente, lang, attempts=attempts)
    caller = request.form.get("From", "")
    try:
        enforce_limits("ivr-pin", current_app.config.get("IVR_PIN_LIMITS", "5 per minute"),
                       f"caller:{caller}")
    except TooManyRequests:
        calls.record_pin_check(ente, None, caller=caller, ok=False,
                               call_sid=request.form.get("CallSid", ""))
        return _enqueue(ente, lang, "payments", text(lang, "too_many"))
    verbale = lookup.find_verbale(ente, typed_number)
    ok = lookup.check_pin(verbale, key)
    calls.record_pin_check(ente, verbale, caller=caller, ok=ok,
                           call_sid=request.form.get("CallSid", ""))
    if not ok:
        attempts += 1
        prefix = text(lang, "bad_credentials")
        if attempts >= MAX_PIN_FAILURES:
            return _enqueue(ente, lang, "payments", f"{prefix} {text(lang, 'too_many')}")
        return _ask_number(ente, lang, prefix=prefix, attempts=attempts)
    tracking.self_served(ente, _sid(), caller, lang, verbale_id=verbale.id)
    return _amount(ente, verbale, lang)


@bp.post("/sms")
@twilio_signed
def sms():
    ente, lang, tries = _state()
    verbale = db.session.get(Verbale, _int_arg("v"))
    if verbale is None or verbale.ente_id != ente.id:
        return _topics(ente, lang)
    key = _key()
    if key == "*":
        return _amount(ente, verbale, lang, tries)
    if key == "0":
        return _topics(ente, lang)
    if key == "2":
        return _enqueue(ente, lang, "payments")
    if key == "1":
        caller = request.form.get("From", "")
        url = ente.portal_url or current_app.config.get("PORTAL_BASE_URL", "")
        body = text(lang, "sms_body", ente=ente.name, number=verbale.number, url=url)
        send_sms(current_app.config, caller, body, ente_id=ente.id,
                 object_type="verbale", object_id=verbale.id)
        return _xml(twiml.goodbye(lang, text(lang, "sms_sent")))
    return _retry(ente, lang, tries, lambda t, p: _amount(ente, verbale, lang, t, p), "payments")


@bp.post("/wait")
@twilio_signed
def wait():
    ente, lang, _ = _state()
    queue = request.args.get("q", "general")
    position, avg = max(1, _int_form("QueuePosition")), _int_form("AvgQueueTime")
    tracking.waiting(ente, _sid(), _caller(), lang, queue,
                     queue_time=request.form.get("QueueTime"), position=position)
    threshold = int(current_app.config.get("IVR_CALLBACK_THRESHOLD_SECONDS", 300))
    offer = _hook("ivr.callback", ente=ente.code, lang=lang, q=queue) if avg > threshold else None
    return _xml(twiml.hold(lang, position, avg, offer))


@bp.post("/callback")
@twilio_signed
def callback():
    ente, lang, _ = _state()
    queue = request.args.get("q", "general")
    if _key() != "1":
        vr = twiml.VoiceResponse()
        vr.redirect(_hook("ivr.wait", ente=ente.code, lang=lang, q=queue), method="POST")
        return _xml(vr)
    calls.callback_case(ente, caller=request.form.get("From", ""), language=lang,
                        queue=f"{ente.code}-{queue}-{lang}",
                        call_sid=_sid(), wait_seconds=_int_form("AvgQueueTime"),
                        queue_code=queue)
    return _xml(twiml.goodbye(lang, text(lang, "callback_ok")))


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    """The ``<Enqueue action>``: the caller left the queue (answered, hung up, left, failed)."""
    ente, lang, _ = _state()
    result = (request.form.get("QueueResult") or "").strip().lower()
    tracking.left_queue(ente, _sid(), _caller(), lang, request.args.get("q", ""), result,
                        queue_time=request.form.get("QueueTime"))
    if result in tracking.FAILED_RESULTS:
        return _xml(twiml.no_operator(lang, _hook("ivr.voicemail", ente=ente.code, lang=lang)))
    if result in ("hangup", "redirected"):
        return _xml(twiml.empty())
    return _xml(twiml.goodbye(lang))


@bp.post("/status")
@twilio_signed
def status():
    """The call's status callback (configured on the Twilio number)."""
    ente, _, _ = _state()
    tracking.call_status(ente, _sid(), request.form.get("CallStatus", ""), caller=_caller(),
                         duration=request.form.get("CallDuration"))
    return _xml(twiml.empty())


@bp.post("/connect")
@twilio_signed
def connect():
    """The ``url`` of the ``<Queue>`` an operator dials: the queued caller is connected now."""
    ente, _, _ = _state()
    tracking.connected(ente, _sid(), queue_time=request.form.get("QueueTime"),
                       agent_call_sid=request.form.get("DequeingCallSid", ""))
    return _xml(twiml.empty())


@bp.post("/voicemail")
@twilio_signed
def voicemail():
    ente, lang, _ = _state()
    recording = request.form.get("RecordingUrl", "")
    if recording:
        calls.voicemail_case(ente, caller=request.form.get("From", ""), language=lang,
                             recording_url=recording,
                             duration=request.form.get("RecordingDuration", ""),
                             call_sid=request.form.get("CallSid", ""))
    return _xml(twiml.goodbye(lang, text(lang, "voicemail_thanks")))


# --- staff simulator ---------------------------------------------------------------------

@bp.route("/simulator", methods=["GET", "POST"])
@roles_required(*StaffRole)
def simulator():
    from .forms import SimulatorForm
    from .simulator import State, simulate

    form = SimulatorForm()
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    step = None
    if form.validate_on_submit() and token:
        params = {k: v for k, v in {
            "From": form.caller.data, "Caller": form.caller.data, "To": form.line.data,
            "Digits": form.digits.data, "SpeechResult": form.speech.data,
            "QueuePosition": form.queue_position.data, "AvgQueueTime": form.avg_queue_time.data,
            "QueueTime": form.queue_time.data, "RecordingUrl": form.recording_url.data,
        }.items() if v}
        step, state = simulate(form.event.data, State(form.path.data or "",
                                                      form.queue_path.data or "",
                                                      form.call_sid.data or ""),
                               params, webhook_base_url(), token)
        form.path.data, form.queue_path.data, form.call_sid.data = (
            state.path, state.queue_path, state.call_sid)
        form.digits.data = form.speech.data = form.recording_url.data = ""
        form.event.data = "input"
    return render_template("contact_center/ivr/simulator.html", form=form, step=step,
                           configured=bool(token))
