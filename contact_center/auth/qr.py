"""QR codes for the authenticator enrolment, as ``data:`` URIs (the CSP allows ``img-src
data:``; no inline SVG, no inline styles)."""

from __future__ import annotations

import segno


def qr_data_uri(content: str) -> str:
    """An SVG image of ``content`` (medium error correction, quiet zone of 4 modules)."""
    return segno.make(content, error="m", micro=False).svg_data_uri(scale=5, border=4)
