"""Citizen-facing explanations of the engine's results, by stable key (tiers, deadline rules,
accessory sanctions, evidence kinds, position states). The engine returns keys; the words live
here, translated."""

from flask_babel import lazy_gettext as _l

TIERS = {
    "discounted": _l("Reduced amount (minimum −30 %)"),
    "minimum": _l("Minimum amount"),
    "half_maximum": _l("Half of the maximum"),
}

TIER_HELP = {
    "discounted": _l("Paying within 5 days of notification gives a 30 % reduction on the sanction."),
    "minimum": _l("From day 6 to day 60 after notification the minimum amount is due."),
    "half_maximum": _l("From day 61 the verbale becomes enforceable for half of the maximum, "
                       "increased by 10 % for every six months of delay."),
}

DEADLINES = {
    "notify_by": _l("The Municipality had to send the notification by"),
    "prefetto_appeal_by": _l("Appeal to the Prefetto by"),
    "gdp_appeal_by": _l("Appeal to the Giudice di Pace by"),
    "driver_data_by": _l("Communicate the driver's details (licence points) by"),
    "instalment_request_by": _l("Ask to pay in instalments by"),
    "prescription": _l("The fine is time-barred on"),
}

RULES = {
    "cds_201_90_days": _l("90 days from the assessment (art. 201 of the Highway Code)."),
    "cds_201_360_days_abroad": _l("360 days from the assessment for people living abroad (art. 201 of the Highway Code)."),
    "cds_203_60_days": _l("60 days from notification (art. 203 of the Highway Code). Free of charge."),
    "cds_204bis_30_days": _l("30 days from notification (art. 204-bis of the Highway Code). A court fee is due."),
    "cds_204bis_60_days_abroad": _l("60 days from notification for people living abroad (art. 204-bis of the Highway Code). A court fee is due."),
    "cds_126bis_60_days": _l("60 days from notification (art. 126-bis of the Highway Code). Failing to do so is a separate fine."),
    "cds_202bis_30_days": _l("30 days from notification (art. 202-bis of the Highway Code), for amounts over 200 euro and low incomes."),
    "cds_209_5_years": _l("5 years from the violation (art. 209 of the Highway Code), unless interrupted by a notice or a demand for payment."),
}

ACCESSORY = {
    "licence_suspension": _l("Suspension of the driving licence"),
    "vehicle_confiscation": _l("Confiscation of the vehicle"),
    "vehicle_seizure": _l("Seizure of the vehicle"),
    "vehicle_detention": _l("Administrative detention of the vehicle"),
    "circulation_suspension": _l("Suspension of the vehicle's registration"),
}

EVIDENCE = {
    "photo": _l("Photo"),
    "device_approval": _l("Approval decree of the device"),
    "calibration": _l("Calibration certificate of the device"),
    "prefect_decree": _l("Prefect's decree authorising the device"),
    "other": _l("Document"),
}

STATES = {
    "not_notified": _l("Not yet notified"),
    "to_pay": _l("To be paid"),
    "paid": _l("Paid"),
    "appealed": _l("Appeal pending"),
    "instalments": _l("Paying in instalments"),
    "enforcement": _l("Enforced collection"),
    "cancelled": _l("Cancelled"),
}

COST_KINDS = {
    "notification": _l("Notification costs"),
    "procedure": _l("Procedure costs"),
    "assessment": _l("Assessment costs"),
}

PAYMENT_STATUS = {
    "pending": _l("Being confirmed"),
    "confirmed": _l("Confirmed"),
    "failed": _l("Not completed"),
    "refunded": _l("Refunded"),
}
