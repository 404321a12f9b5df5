from decimal import Decimal

import pytest

from core.pagopa.notice import (
    NoticeNumberError,
    is_valid_check,
    make_notice_number,
    parse_notice_number,
    qr_payload,
)


def test_worked_example_from_the_digest():
    notice = make_notice_number("02", 2024000012345)
    assert notice.value == "302202400001234579"
    assert notice.iuv == "02202400001234579"
    assert notice.formatted() == "3022 0240 0001 2345 79"


@pytest.mark.parametrize("real", ["302032002700000251", "001721265093769322", "300715700000000032"])
def test_real_world_numbers_have_valid_check_digits(real):
    assert is_valid_check(real)


def test_parse_rejects_wrong_check_digits_and_other_aux():
    with pytest.raises(NoticeNumberError):
        parse_notice_number("302202400001234578")
    with pytest.raises(NoticeNumberError):
        parse_notice_number("001721265093769322")
    assert parse_notice_number("3022 0240 0001 2345 79").value == "302202400001234579"


@pytest.mark.parametrize("code", ["99", "47", "85", "5", "ab", "50"])
def test_reserved_or_invalid_segregation_codes(code):
    with pytest.raises(NoticeNumberError):
        make_notice_number(code, 1)


def test_qr_payload_in_cents():
    notice = make_notice_number("02", 2024000012345)
    assert qr_payload(notice, "00000000000", Decimal("41.00")) == \
        "PAGOPA|002|302202400001234579|00000000000|4100"
