"""Every contact-center route except sign-in (and the public info pages) needs a staff login."""

from __future__ import annotations

import re

import pytest

from contact_center import PUBLIC_ENDPOINTS


def _url_for_rule(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)


def _protected_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS]


def test_there_are_protected_routes(cc_app):
    assert len(_protected_rules(cc_app)) >= 1


def test_every_protected_route_requires_staff_login(cc_app, cc):
    failures = []
    for rule in _protected_rules(cc_app):
        url = _url_for_rule(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = cc.open(url, method=method)
            location = response.headers.get("Location", "")
            if not (response.status_code in (302, 303) and "/sign-in" in location) and \
                    response.status_code not in (401, 403):
                failures.append(f"{method} {url} -> {response.status_code} {location}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/", "/sign-in"])
def test_public_pages_answer_without_login(cc, path):
    assert cc.get(path).status_code == 200
