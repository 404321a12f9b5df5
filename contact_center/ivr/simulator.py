"""The IVR simulator: sends correctly signed requests to the same webhooks Twilio calls (through
the app's test client, so nothing leaves the process) and turns each TwiML answer into
readable steps.

Besides the caller's keys and words it can send what Twilio sends on its own, so the call
metrics fill up in the demo: the ``<Enqueue action>`` of an operator answering (``QueueResult``
*bridged*) or of the caller hanging up in queue (*hangup*), and the call's status callback at
the end (``CallStatus`` *completed*). One ``CallSid`` is kept for the whole simulated call."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from flask import current_app

from core.ivr.signature import sign

START = "/ivr/voice"
STATUS = "/ivr/status"
#: What the next request simulates: the caller's input, or one of Twilio's own callbacks.
EVENTS = ("input", "bridged", "hangup", "completed")


@dataclass
class Step:
    path: str
    status: int
    lines: list[dict] = field(default_factory=list)
    next_path: str = ""
    xml: str = ""
    queue_path: str = ""  # the <Enqueue action> of this answer, if it queued the caller


@dataclass
class State:
    """What the simulator page carries from one step to the next (hidden fields)."""

    path: str = ""  # the webhook the caller's next input goes to
    queue_path: str = ""  # the <Enqueue action> while the caller is queued
    call_sid: str = ""


def allowed_path(path: str) -> bool:
    return path.startswith("/ivr/") and not path.startswith("/ivr/simulator") and ".." not in path


def to_path(url: str, base: str) -> str:
    return url[len(base):] if url and url.startswith(base) else (url or "")


def describe(root: ET.Element, base: str) -> tuple[list[dict], str]:
    """Readable lines for a TwiML document and the webhook the caller's next input goes to."""
    lines: list[dict] = []
    next_path = ""

    def walk(node: ET.Element) -> None:
        nonlocal next_path
        for child in node:
            tag = child.tag
            if tag == "Say":
                lines.append({"kind": "say", "text": child.text or "",
                              "language": child.get("language"), "voice": child.get("voice")})
            elif tag == "Gather":
                next_path = to_path(child.get("action", ""), base)
                lines.append({"kind": "gather", "input": child.get("input", "dtmf"),
                              "num_digits": child.get("numDigits"),
                              "finish_on_key": child.get("finishOnKey"),
                              "language": child.get("language"), "next": next_path})
                walk(child)
            elif tag == "Enqueue":
                next_path = to_path(child.get("waitUrl", ""), base)
                lines.append({"kind": "enqueue", "queue": child.text or "", "next": next_path,
                              "action": to_path(child.get("action", ""), base)})
            elif tag == "Record":
                next_path = to_path(child.get("action", ""), base)
                lines.append({"kind": "record", "max_length": child.get("maxLength"),
                              "next": next_path})
            elif tag == "Redirect":
                next_path = to_path(child.text or "", base)
                lines.append({"kind": "redirect", "next": next_path})
            elif tag in ("Hangup", "Pause"):
                lines.append({"kind": tag.lower(), "length": child.get("length")})

    walk(root)
    return lines, next_path


def new_call_sid() -> str:
    return "CASIMULATOR" + uuid.uuid4().hex[:23]


def run_step(path: str, params: dict[str, str], base: str, token: str,
             call_sid: str | None = None) -> Step:
    """POST ``params`` to the webhook at ``path`` with Twilio's signature for ``base + path``."""
    data = {"CallSid": call_sid or new_call_sid(), **params}
    signature = sign(token, base + path, data)
    response = current_app.test_client().post(path, data=data,
                                               headers={"X-Twilio-Signature": signature})
    step = Step(path=path, status=response.status_code, xml=response.get_data(as_text=True))
    if response.status_code == 200:
        # Our own webhook's TwiML, generated in-process, not third-party input.
        step.lines, step.next_path = describe(ET.fromstring(step.xml), base)  # noqa: S314
        step.queue_path = next((line["action"] for line in step.lines
                                if line["kind"] == "enqueue" and line.get("action")), "")
    return step


def simulate(event: str, state: State, params: dict[str, str], base: str,
             token: str) -> tuple[Step, State]:
    """One simulated request and the page's next state. ``event`` is the caller's input
    (``params``: From, To, Digits, …) or a Twilio callback: ``bridged`` / ``hangup`` (the
    queue result, needs a queued caller), ``completed`` (the status callback, ends the call)."""
    caller = {k: v for k, v in params.items() if k in ("From", "Caller", "To")}
    if event in ("bridged", "hangup") and state.queue_path and allowed_path(state.queue_path):
        data = {**caller, "QueueResult": event, "QueueSid": "QUSIMULATOR"}
        if params.get("QueueTime"):
            data["QueueTime"] = params["QueueTime"]
        step = run_step(state.queue_path, data, base, token, state.call_sid or None)
        return step, State(step.next_path, "", state.call_sid)
    if event == "completed" and state.call_sid:
        step = run_step(STATUS, {**caller, "CallStatus": "completed"}, base, token,
                        state.call_sid)
        return step, State()
    path = state.path if state.path and allowed_path(state.path) else START
    if path == START or not state.call_sid:  # a new call
        state = State(call_sid=new_call_sid())
    step = run_step(path, params, base, token, state.call_sid)
    return step, State(step.next_path, step.queue_path or state.queue_path, state.call_sid)
