"""The wording of the four letters, in the active locale (gettext, five languages).

:func:`compose` builds a :class:`~core.letters.content.LetterContent` from
:class:`~core.letters.content.Facts`: one section in the recipient's language, or — for the
formal acts sent to a foreign recipient (template ``italian_original``) — the Italian original
followed by the translation into the recipient's language. Every amount and date is a value
gathered from the engine and only *formatted* here (``money``/``long_date`` for the section's
locale); nothing is computed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale, format_percent
from flask_babel import gettext as _

from core.fines import DISCOUNTED, MINIMUM
from core.i18n import LANGUAGE_NAMES, long_date, money
from core.models import LetterKind

from .content import Address, AmountLine, Block, Facts, LetterContent, Section, country_name

ITALIAN = "it"


def title_of(kind: str) -> str:
    return {
        LetterKind.INVITO_BONARIO: _("Friendly invitation to pay"),
        LetterKind.VERBALE: _("Notification of a verbale of violation of the Highway Code"),
        LetterKind.ULTIMO_AVVISO: _("Last notice before enforcement"),
        LetterKind.INGIUNZIONE: _("Ingiunzione fiscale (order to pay)"),
    }[kind]


# -- shared pieces ----------------------------------------------------------------------------


def _greeting(f: Facts) -> Block:
    return Block("para", _("Dear %(name)s,", name=f.person.display_name))


def _facts_rows(f: Facts) -> Block:
    v = f.verbale
    plate = v.plate
    if (v.registration_country or "IT").upper() != "IT":
        plate = f"{v.plate} ({country_name(v.registration_country, f.lang)})"
    rows = [
        (_("Verbale number"), v.number),
        (_("Date and time of the violation"), long_date(v.violation_at)),
        (_("Place"), v.place),
        (_("Vehicle registration plate"), plate),
    ]
    if v.vehicle:
        rows.append((_("Vehicle"), v.vehicle))
    if v.device:
        rows.append((_("Detected by the automatic device"), v.device))
    rows.append((_("Date of the assessment"), long_date(v.assessed_on)))
    return Block("rows", rows=tuple(rows))


def _violations(f: Facts, lang: str) -> Block:
    rows = [(_("Article"), _("Violation"))]
    for item in f.verbale.violations:
        vtype = item.violation_type
        rows.append((vtype.article, vtype.description_for(lang)))
    return Block("table", rows=tuple(rows))


def _tier_label(line: AmountLine, f: Facts) -> str:
    if line.tier == DISCOUNTED and not f.quote.reduced_payment_excluded \
            and not f.quote.discount_excluded:
        return _("Reduced amount (minimum less %(percent)s)", percent=format_percent(f.discount_rate))
    if line.tier in (DISCOUNTED, MINIMUM):
        return _("Minimum amount")
    if line.surcharge > 0:
        return _("Half the maximum, with the surcharge for late payment")
    return _("Half the maximum")


def _when(line: AmountLine) -> str:
    if line.first_day is not None:  # relative to a notification not yet perfected
        if line.tier == DISCOUNTED:
            return _("within %(days)s days of notification", days=line.last_day)
        if line.last_day is not None:
            return _("from day %(first)s to day %(last)s after notification",
                     first=line.first_day, last=line.last_day)
        return _("from day %(first)s after notification", first=line.first_day)
    if line.last is None:
        return _("from %(date)s", date=long_date(line.first))
    if line.tier == DISCOUNTED:
        return _("by %(date)s", date=long_date(line.last))
    return _("from %(first)s to %(last)s", first=long_date(line.first), last=long_date(line.last))


def _amounts_table(f: Facts) -> list[Block]:
    rows = [(_("Payment option"), _("When"), _("Amount"))]
    for line in f.lines:
        rows.append((_tier_label(line, f), _when(line), money(line.total)))
    blocks = [Block("table", rows=tuple(rows))]
    if f.quote.reduced_payment_excluded:
        blocks.append(Block("small", _(
            "This violation does not allow a reduced payment: the amount is half the maximum "
            "from the first day.")))
    elif f.quote.discount_excluded:
        blocks.append(Block("small", _(
            "The %(percent)s reduction does not apply to this violation: within the first "
            "days the minimum amount is due.", percent=format_percent(f.discount_rate))))
    if f.quote.costs_total > 0:
        blocks.append(Block("small", _(
            "Every amount includes procedure and notification costs of %(costs)s.",
            costs=money(f.quote.costs_total))))
    if f.quote.paid > 0:
        blocks.append(Block("small", _("Amounts already paid (%(paid)s) have been deducted.",
                                       paid=money(f.quote.paid))))
    if f.surcharge_applies:
        blocks.append(Block("small", _(
            "After that, the surcharge of article 27 of Law 689/1981 (%(percent)s for each "
            "semester of delay) is added.", percent=format_percent(f.surcharge_rate))))
    if f.projected:
        blocks.append(Block("small", _(
            "Days are counted from the date the notification is perfected; a term ending on a "
            "Sunday or a public holiday moves to the next working day.")))
    return blocks


def _breakdown(f: Facts) -> Block:
    q = f.quote
    rows = [(_("Sanction"), money(q.sanction))]
    if q.costs_total > 0:
        rows.append((_("Procedure and notification costs"), money(q.costs_total)))
    if q.surcharge > 0:
        rows.append((_("Surcharge for late payment (art. 27 Law 689/1981)"), money(q.surcharge)))
    if q.paid > 0:
        rows.append((_("Already paid"), "- " + money(q.paid)))
    rows.append((_("Total due"), money(q.total)))
    return Block("rows", rows=tuple(rows))


def _payment(f: Facts, avviso_attached: bool) -> list[Block]:
    t = f.template
    blocks = [Block("heading", _("How to pay"))]
    if f.notice_number:
        rows = [(_("pagoPA notice number"), f.notice_number),
                (_("Creditor fiscal code"), f.verbale.ente.fiscal_code)]
        blocks.append(Block("rows", rows=tuple(rows)))
        if avviso_attached:
            blocks.append(Block("para", _(
                "Pay with pagoPA using the payment notice attached to this letter: with the IO "
                "app, your home banking, at post offices, banks, tobacconists and the other "
                "enabled payment points, or online on the portal.")))
        else:
            blocks.append(Block("para", _(
                "Pay with pagoPA using the notice number above: with the IO app, your home "
                "banking, at post offices, banks, tobacconists and the other enabled payment "
                "points, or online on the portal.")))
    if t.iban:
        rows = [(_("Beneficiary"), t.payee), (_("IBAN"), t.iban)]
        if t.bic:
            rows.append((_("BIC/SWIFT"), t.bic))
        rows.append((_("Payment reference"), _("Verbale %(number)s", number=f.verbale.number)))
        blocks.append(Block("para", _("From abroad you can also pay by bank transfer:")
                            if f.abroad else _("You can also pay by bank transfer:")))
        blocks.append(Block("rows", rows=tuple(rows)))
    blocks.append(Block("para", _("Online, in your language: %(url)s", url=t.portal_url)))
    return blocks


def _access_codes(f: Facts) -> list[Block]:
    if not f.username or not f.password:
        return []
    return [
        Block("heading", _("Your personal access codes")),
        Block("box", rows=((_("Portal"), f.template.portal_url), (_("Username"), f.username),
                           (_("Password"), f.password))),
        Block("small", _(
            "With these codes you can see the details, photos and documents of the verbale, pay "
            "online, ask for help and find out how to appeal. Keep them private: the password "
            "is printed only on this letter and you can change it after signing in.")),
    ]


def _contacts(f: Facts, lang: str) -> list[Block]:
    t = f.template
    rows = []
    if t.office_phone:
        rows.append((_("Telephone"), t.office_phone))
    if t.office_email:
        rows.append((_("E-mail"), t.office_email))
    if t.office_pec:
        rows.append((_("Certified e-mail (PEC)"), t.office_pec))
    hours = (f.verbale.ente.contact_hours or {}).get(lang, "")
    if hours:
        rows.append((_("Opening hours"), hours))
    if not rows:
        return []
    return [Block("heading", _("Need help?")), Block("rows", rows=tuple(rows))]


def _closing(f: Facts, lang: str) -> list[Block]:
    t = f.template
    blocks = []
    extra = t.text("extra_text", lang)
    if extra:
        blocks.append(Block("para", extra))
    role = t.text("signatory_role", lang) or _("The head of the office")
    blocks.append(Block("para", role))
    if t.signatory:
        blocks.append(Block("para", t.signatory))
    return blocks


# -- the four letters -------------------------------------------------------------------------


def _invito(f: Facts, lang: str) -> list[Block]:
    v = f.verbale
    blocks = [
        _greeting(f),
        Block("para", _(
            "on %(when)s, in %(place)s, the vehicle with registration plate %(plate)s was "
            "involved in the violation of the Italian Highway Code described below, assessed by "
            "%(office)s (verbale no. %(number)s).",
            when=long_date(v.violation_at), place=v.place, plate=v.plate,
            office=f.template.text("office_name", lang), number=v.number)),
        _facts_rows(f),
        _violations(f, lang),
        Block("heading", _("Pay now, without costs")),
        Block("para", _(
            "Before the verbale is formally notified to you, which adds procedure and "
            "notification costs, you can settle it now without any cost, at the amounts "
            "below:")),
        *_amounts_table(f),
        Block("para", _(
            "If the amount is not paid, the verbale will be formally notified to you with the "
            "procedure and notification costs added.")),
        *_access_codes(f),
        *_payment(f, avviso_attached=f.template.attach_avviso),
        *_contacts(f, lang),
        Block("para", _("Yours sincerely,")),
        *_closing(f, lang),
    ]
    return blocks


def _verbale(f: Facts, lang: str) -> list[Block]:
    blocks = [
        Block("para", _(
            "Pursuant to article 201 of the Highway Code (D.Lgs. 285/1992), %(office)s "
            "notifies %(name)s of the verbale of violation described below.",
            office=f.template.text("office_name", lang), name=f.person.display_name)),
        _facts_rows(f),
        _violations(f, lang),
    ]
    if f.licence_points:
        blocks.append(Block("para", _(
            "The violation carries a deduction of %(points)s points from the driving licence.",
            points=f.licence_points)))
        if f.driver_data_days:
            blocks.append(Block("para", _(
                "If you were not driving, communicate the identity and driving licence data of "
                "the driver within %(days)s days of notification (art. 126-bis of the Highway "
                "Code); failing that, a separate fine applies.", days=f.driver_data_days)))
    blocks += [
        Block("heading", _("Amount to pay")),
        Block("para", _(
            "The amount depends on when you pay, counted from the day this notification is "
            "perfected (the day you receive it):")),
        *_amounts_table(f),
        *_payment(f, avviso_attached=f.template.attach_avviso),
        *_access_codes(f),
        Block("heading", _("How to appeal")),
    ]
    if f.prefetto_days:
        blocks.append(Block("para", _(
            "Within %(days)s days of notification you may appeal to the Prefetto of the place "
            "of the violation, through the office that issued the verbale (art. 203 of the "
            "Highway Code).", days=f.prefetto_days)))
    if f.gdp_days:
        blocks.append(Block("para", _(
            "Alternatively, within %(days)s days of notification, you may appeal to the Giudice "
            "di Pace of the place of the violation (art. 204-bis of the Highway Code).",
            days=f.gdp_days)))
    blocks.append(Block("para", _(
        "Appeals must be written in Italian. Paying the reduced amount means accepting the "
        "fine and excludes any appeal.")))
    if f.abroad:
        blocks.append(Block("small", _(
            "This act is served by international registered mail with return receipt under the "
            "European Convention of Strasbourg of 24 November 1977 (Italian Law 149/1983).")))
    blocks += [*_contacts(f, lang), *_closing(f, lang)]
    return blocks


def _ultimo_avviso(f: Facts, lang: str) -> list[Block]:
    v = f.verbale
    return [
        _greeting(f),
        Block("para", _(
            "our records show that the verbale no. %(number)s, notified on %(date)s, has not "
            "been paid in full. The amount due today is:",
            number=v.number, date=long_date(f.notified_on))),
        _breakdown(f),
        Block("para", _("Please pay %(total)s by %(date)s.", total=money(f.quote.total),
                        date=long_date(f.pay_by))),
        Block("para", _(
            "If you do not pay, the amount will be collected by enforcement (ingiunzione "
            "fiscale or enrolment), with further costs and surcharges.")),
        Block("small", _(
            "If you have already paid, please ignore this notice; you can check your position "
            "at %(url)s.", url=f.template.portal_url)),
        *_payment(f, avviso_attached=f.template.attach_avviso),
        *_contacts(f, lang),
        Block("para", _("Yours sincerely,")),
        *_closing(f, lang),
    ]


def _ingiunzione(f: Facts, lang: str) -> list[Block]:
    v = f.verbale
    office = f.template.text("office_name", lang)
    return [
        Block("para", _(
            "Under Royal Decree no. 639 of 14 April 1910, %(office)s, as creditor,",
            office=office)),
        Block("para", _(
            "having regard to the verbale of violation no. %(number)s of %(date)s, notified on "
            "%(notified)s, which was neither paid nor appealed in time and became an "
            "enforceable title on %(title)s,",
            number=v.number, date=long_date(v.assessed_on), notified=long_date(f.notified_on),
            title=long_date(f.title_from))),
        Block("heading", _("orders")),
        Block("para", _(
            "%(name)s to pay, within %(days)s days of the notification of this order, the sum "
            "of %(total)s, made up as follows:",
            name=f.person.display_name, days=f.template.days_to_pay,
            total=money(f.quote.total))),
        _breakdown(f),
        _facts_rows(f),
        _violations(f, lang),
        Block("para", _(
            "Failing payment within that term, enforcement will follow (administrative lien "
            "on vehicles, garnishment) without further notice, with the further costs charged "
            "to you.")),
        Block("para", _(
            "You may oppose this order before the competent court within %(days)s days of its "
            "notification.", days=f.template.days_to_pay)),
        *_payment(f, avviso_attached=f.template.attach_avviso),
        *_contacts(f, lang),
        *_closing(f, lang),
    ]


_BODIES: dict[str, Callable[[Facts, str], list[Block]]] = {
    LetterKind.INVITO_BONARIO: _invito,
    LetterKind.VERBALE: _verbale,
    LetterKind.ULTIMO_AVVISO: _ultimo_avviso,
    LetterKind.INGIUNZIONE: _ingiunzione,
}


def languages_for(f: Facts) -> tuple[str, ...]:
    """The recipient's language; Italian first when the act needs its Italian original."""
    if f.lang != ITALIAN and f.template.italian_original:
        return (ITALIAN, f.lang)
    return (f.lang,)


def _label(languages: tuple[str, ...], text: Callable[[], str]) -> str:
    """``"Codice di verifica / Verification code"`` when the letter has two languages."""
    parts = []
    for lang in languages:
        with force_locale(lang):
            value = text()
        if value not in parts:
            parts.append(value)
    return " / ".join(parts)


def compose(f: Facts) -> LetterContent:
    languages = languages_for(f)
    sections = []
    for index, lang in enumerate(languages):
        with force_locale(lang):
            note = ""
            if index > 0:
                note = _("Translation into %(language)s. The Italian text above is the original "
                         "of this act.", language=LANGUAGE_NAMES.get(lang, lang))
            sections.append(Section(lang, title_of(f.kind), _BODIES[f.kind](f, lang), note))
    t = f.template
    first = languages[0]
    office = [x for x in (t.text("office_name", first), t.office_address, t.office_phone,
                          t.office_pec or t.office_email) if x]
    verification = [
        _label(languages, lambda: _("Verification code")) + ": " + f.verification_code,
        _label(languages, lambda: _("Check that this letter is genuine at")) + " " + t.verify_url,
    ]
    with force_locale(first):
        date_line = _("Date: %(date)s", date=long_date(f.issue_date))
    footer = " · ".join(x for x in (t.text("footer", first), f.verification_code) if x)
    return LetterContent(
        kind=f.kind, lang=f.lang, languages=languages, office=office,
        recipient=Address.of(f.person).lines(), date_line=date_line, verification=verification,
        sections=sections, footer=footer, title=sections[0].title)
