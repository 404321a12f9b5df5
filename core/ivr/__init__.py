"""The phone line (Twilio IVR): spoken prompts, webhook signatures, the caller's self-service
lookup, SMS and the cases a call leaves behind. No Flask views here: see
:mod:`contact_center.ivr`."""
