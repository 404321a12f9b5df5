"""Citizen appeals (ricorso, art. 203/204-bis CdS) and driver identification (art. 126-bis).

* :mod:`core.appeals.rules` — which routes are open, deadlines, court fee, why not allowed;
* :mod:`core.appeals.service` — the appeal draft, attachments, confirmation, online filing;
* :mod:`core.appeals.document` — the Italian appeal document (PDF);
* :mod:`core.appeals.driver` — the driver declaration (art. 126-bis);
* :mod:`core.appeals.texts` — the words of both forms, by key.

For other areas: :func:`pending_appeal_verbale_ids` (the reminder batch must skip these
verbali) and :func:`payment_warning` (the payment pages warn before paying).
"""

from core.appeals.service import payment_warning, pending_appeal_verbale_ids

__all__ = ["payment_warning", "pending_appeal_verbale_ids"]
