"""Words of the appeal and driver-data forms, by stable key. The citizen reads them in their
language (lazy gettext); the Italian appeal document uses its own fixed Italian texts
(:mod:`core.appeals.document`), on purpose."""

from flask_babel import lazy_gettext as _l

ROUTES = {
    "prefetto": _l("Appeal to the Prefetto"),
    "giudice_di_pace": _l("Appeal to the Giudice di Pace (justice of the peace)"),
}

ROUTE_SHORT = {
    "prefetto": _l("Prefetto"),
    "giudice_di_pace": _l("Giudice di Pace"),
}

ROUTE_HELP = {
    "prefetto": _l("An administrative appeal to the Prefetto, the State's representative in "
                   "the province. It is free of charge and no lawyer is needed; you may ask to "
                   "be heard in person. If the Prefetto rejects it, the amount due becomes at "
                   "least double the minimum, with no reduction."),
    "giudice_di_pace": _l("A court appeal to the Giudice di Pace of the place of the violation. "
                          "A court fee (contributo unificato) is due and the appeal is filed at "
                          "the court's registry; no lawyer is needed. If it is rejected, the "
                          "judge sets an amount between the minimum and the maximum."),
}

GROUNDS = {
    "vehicle_sold": _l("The vehicle had already been sold"),
    "stolen_or_cloned": _l("The vehicle had been stolen or its plates were cloned"),
    "other_driver": _l("Someone else was driving"),
    "signage_or_device": _l("The road signs or the detection device were not in order"),
    "late_notification": _l("The fine was notified too late"),
    "other": _l("Other reasons"),
}

GROUNDS_HELP = {
    "vehicle_sold": _l("Attach the deed of sale or the transfer registration, if you have it."),
    "stolen_or_cloned": _l("Attach the theft report made to the police."),
    "other_driver": _l("This does not cancel the fine for the owner: to move the licence points "
                       "to the driver, use \"Name the driver\" instead."),
    "signage_or_device": _l("Describe what was wrong and attach photos if you have them."),
    "late_notification": _l("The fine must be sent within 90 days of the assessment (360 days "
                            "for people living abroad)."),
    "other": _l("Explain your reasons in the text below."),
}

STATUSES = {
    "draft": _l("Draft"),
    "downloaded": _l("Prepared for filing by post or PEC"),
    "filed_online": _l("Filed online"),
    "forwarded": _l("Forwarded to the authority"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}

BLOCKED = {
    "not_notified": _l("This fine has not been notified yet: the appeal deadlines start from "
                       "the notification."),
    "cancelled": _l("This fine has been cancelled: there is nothing to appeal."),
    "paid": _l("This fine has been paid. Paying the reduced amount accepts the fine, so it can "
               "no longer be appealed."),
    "instalments": _l("You asked to pay this fine in instalments. The request waives the right "
                      "to appeal (art. 202-bis of the Highway Code), so it can no longer be "
                      "appealed."),
    "window_closed": _l("The deadlines for appealing this fine have passed: the law no longer "
                        "allows an appeal to the Prefetto or to the Giudice di Pace."),
    "already_appealed": _l("An appeal against this fine has already been prepared or filed."),
}

DRIVER_BLOCKED = {
    "no_points": _l("This violation does not cost licence points: there is no driver to name."),
    "not_notified": _l("This fine has not been notified yet."),
    "cancelled": _l("This fine has been cancelled: there is no driver to name."),
    "already_declared": _l("The driver's details for this fine have already been sent."),
}

DRIVER_STATUSES = {
    "filed": _l("Sent — being registered"),
    "registered": _l("Registered"),
    "rejected": _l("Not accepted — please send them again"),
}

DECLARATIONS = {
    "truthful": _l("I declare that the information given is true and complete, aware that "
                   "false statements are punished under art. 76 of Presidential Decree "
                   "445/2000."),
    "driver_at_time": _l("I declare that the person named above was driving the vehicle at the "
                         "time of the violation (art. 126-bis, paragraph 2, of the Highway "
                         "Code)."),
    "licence_valid": _l("I declare that the driving licence named above was valid on the date "
                        "of the violation and that the attached copy is faithful to the "
                        "original."),
    "privacy": _l("I have read the privacy notice: the data are processed by the Municipality "
                  "only to deduct the licence points and to manage this fine."),
}
