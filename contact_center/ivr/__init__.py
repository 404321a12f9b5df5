"""The phone line: Twilio voice webhooks (signed, public) and the staff IVR simulator."""
