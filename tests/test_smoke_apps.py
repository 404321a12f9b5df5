import pytest


@pytest.mark.parametrize("lang", ["it", "en", "fr", "de", "es"])
def test_portal_home_lang(portal, lang):
    response = portal.get(f"/?lang={lang}")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_contact_center_root_is_sign_in(cc):
    response = cc.get("/")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)
