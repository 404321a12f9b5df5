"""Portal routes: the avviso PDF and "Pay with pagoPA", for the signed-in owner only."""

from urllib.parse import parse_qs, urlsplit

import pytest

from core.models import VerbaleStatus
from tests import factories
from tests.core.pagopa.pagopa_support import fine, sign_in


@pytest.mark.parametrize("path", ["/pagopa/avviso/{id}.pdf", "/pagopa/pay/{id}"])
def test_sign_in_required(portal, path):
    _e, _p, verbale, _n = fine(3)
    response = portal.get(path.format(id=verbale.id))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/pagopa/avviso/{id}.pdf", "/pagopa/pay/{id}"])
def test_someone_elses_verbale_is_404(portal, path):
    ente, _p, verbale, _n = fine(3)
    stranger = factories.person(ente, fiscal_code=None)
    sign_in(portal, stranger)
    assert portal.get(path.format(id=verbale.id)).status_code == 404
    assert portal.get(path.format(id=999999)).status_code == 404


def test_owner_downloads_the_avviso(portal):
    _e, person, verbale, notice = fine(3)
    sign_in(portal, person)
    response = portal.get(f"/pagopa/avviso/{verbale.id}.pdf?lang=fr")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert notice.notice_number in response.headers["Content-Disposition"]


def test_jointly_liable_owner_can_pay_too(portal):
    ente, _p, _v, _n = fine(3)
    owner = factories.person(ente, fiscal_code=None)
    _e, _p, verbale, notice = fine(3, ente, owner_id=owner.id)
    sign_in(portal, owner)
    assert portal.get(f"/pagopa/avviso/{verbale.id}.pdf").status_code == 200


def test_pay_redirects_to_the_node_checkout(portal, portal_app):
    ente, person, verbale, _n = fine(3, notice=False)
    sign_in(portal, person)
    response = portal.get(f"/pagopa/pay/{verbale.id}")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    node = urlsplit(portal_app.config["PAGOPA_NODE_URL"])
    assert (target.scheme, target.netloc, target.path) == (node.scheme, node.netloc, "/checkout")
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["fiscal_code"] == ente.fiscal_code
    assert len(query["notice"]) == 18 and query["notice"].startswith("3")
    assert query["return_url"].startswith(portal_app.config["PORTAL_BASE_URL"])
    assert str(verbale.id) in query["return_url"]
    # The same notice every time.
    again = parse_qs(urlsplit(portal.get(f"/pagopa/pay/{verbale.id}").headers["Location"]).query)
    assert again["notice"][0] == query["notice"]


def test_nothing_to_pay_goes_back_to_the_position(portal):
    _e, person, verbale, _n = fine(3, notice=False, status=VerbaleStatus.PAID)
    sign_in(portal, person)
    for path in (f"/pagopa/pay/{verbale.id}", f"/pagopa/avviso/{verbale.id}.pdf"):
        response = portal.get(path)
        assert response.status_code == 302
        assert "/my-position" in response.headers["Location"]
