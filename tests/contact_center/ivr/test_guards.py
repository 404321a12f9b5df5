"""Every IVR route is guarded: webhooks by Twilio's signature, the simulator by a staff login."""

from __future__ import annotations

from contact_center.ivr.views import bp


def test_every_ivr_route_is_signed_or_needs_staff(ivr_app, ivr):
    rules = [r for r in ivr_app.url_map.iter_rules() if r.endpoint.startswith("ivr.")]
    assert len(rules) >= 10
    for rule in rules:
        view = ivr_app.view_functions[rule.endpoint]
        assert getattr(view, "twilio_signed", False) or getattr(view, "required_roles", None), rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = ivr.open(rule.rule, method=method)
            if getattr(view, "twilio_signed", False):
                assert response.status_code == 403, rule
            else:
                assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_webhooks_are_csrf_exempt():
    from core.extensions import csrf

    assert bp in csrf._exempt_blueprints
