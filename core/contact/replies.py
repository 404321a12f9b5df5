"""Reply templates in the citizen's language (five languages), with named placeholders
(``%(protocol)s``, ``%(name)s``) filled from the case."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

TEMPLATES = {
    "received": _l("Reply template: request received"),
    "payment_info": _l("Reply template: how to pay"),
    "codes_resent": _l("Reply template: new access codes"),
    "appeal_forwarded": _l("Reply template: appeal forwarded"),
    "need_documents": _l("Reply template: documents needed"),
}


def render(code: str, lang: str, **values: str) -> str:
    """The template ``code`` written in ``lang`` with the case's values."""
    with force_locale(lang):
        texts = {
            "received": _("Dear %(name)s,\nthank you for your message about request %(protocol)s. "
                          "We are looking into it and will answer as soon as possible.", **values),
            "payment_info": _("Dear %(name)s,\nyou can pay online in your personal area by card "
                              "or pagoPA: the portal always shows the amount due on the day you "
                              "pay, with every cost. Request %(protocol)s.", **values),
            "codes_resent": _("Dear %(name)s,\nwe have sent new access codes to the address on "
                              "file for your fine. Request %(protocol)s.", **values),
            "appeal_forwarded": _("Dear %(name)s,\nyour appeal has been forwarded to the "
                                  "Municipality, which will decide within the legal terms. "
                                  "Request %(protocol)s.", **values),
            "need_documents": _("Dear %(name)s,\nto go on with request %(protocol)s we need a "
                                "copy of the documents listed below. You can reply to this "
                                "message attaching them.", **values),
        }
    return texts[code]
