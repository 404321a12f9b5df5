"""The IVR simulator: sends correctly signed requests to the same webhooks Twilio calls (through
the app's test client, so nothing leaves the process) and turns each TwiML answer into
readable steps."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from flask import current_app

from core.ivr.signature import sign

START = "/ivr/voice"


@dataclass
class Step:
    path: str
    status: int
    lines: list[dict] = field(default_factory=list)
    next_path: str = ""
    xml: str = ""


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
                lines.append({"kind": "enqueue", "queue": child.text or "", "next": next_path})
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


def run_step(path: str, params: dict[str, str], base: str, token: str) -> Step:
    """POST ``params`` to the webhook at ``path`` with Twilio's signature for ``base + path``."""
    data = {"CallSid": "CASIMULATOR" + uuid.uuid4().hex[:23], **params}
    signature = sign(token, base + path, data)
    response = current_app.test_client().post(path, data=data,
                                               headers={"X-Twilio-Signature": signature})
    step = Step(path=path, status=response.status_code, xml=response.get_data(as_text=True))
    if response.status_code == 200:
        # Our own webhook's TwiML, generated in-process, not third-party input.
        step.lines, step.next_path = describe(ET.fromstring(step.xml), base)  # noqa: S314
    return step
