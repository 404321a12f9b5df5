"""Notification of acts: SEND (the digital notification platform), PEC and e-mail, and the
tracking of every attempt and outcome on the verbale's timeline.

* :mod:`.send_client` — the SEND B2B client over real HTTP (preload, upload, request, status
  polling, notification detail and timeline, price);
* :mod:`.perfection` — pure rules: the perfection date per recipient and channel;
* :mod:`.tracking` — events on the timeline, perfection fed to the engine (``notified_on``),
  notification costs, the ``late_notification_suspected`` flag;
* :mod:`.dispatches` — one hand-over per verbale, channel and round
  (:class:`~core.models.NotificationDispatch`): the act to send, eligibility, retries with
  backoff, failures;
* :mod:`.send_service`, :mod:`.pec` — the hand-over through SEND, and by PEC or e-mail;
* :mod:`.receipts` — PEC receipts arriving by mail (called by the mail intake);
* :mod:`.alerts` — verbali approaching or past the 90/360-day notification term, and the
  review of late notifications;
* :mod:`.batch` and :mod:`.cli` — the resumable batches and ``flask notifications …``.

(``core.contact.notify`` is something else: e-mails about contact-center cases.)
"""
