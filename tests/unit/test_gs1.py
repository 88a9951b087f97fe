"""GS1 SSCC / EAN-13 check digits and tracking numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packstation.domain import gs1


@pytest.mark.parametrize("number", ["00033333333000139047", "00033333333000139061", "00033333333000139054"])
def test_reference_tracking_numbers_validate(number):
    assert gs1.is_valid_sscc_tracking(number)


def test_reference_check_digit():
    assert gs1.sscc_check_digit("03333333300013904") == 7


@pytest.mark.parametrize(
    "bad",
    [
        "00033333333000139048",
        "0003333333300013904",
        "10033333333000139047",
        "0003333333300013904x",
        None,
        123,
    ],
)
def test_invalid_tracking_numbers_are_rejected(bad):
    assert not gs1.is_valid_sscc_tracking(bad)


def test_make_tracking_number_layout():
    number = gs1.make_tracking_number("7350000", 42)
    assert number == "000" + "7350000" + "000000042" + number[-1]
    assert len(number) == 20
    assert gs1.is_valid_sscc_tracking(number)


def test_make_tracking_number_rejects_bad_input():
    with pytest.raises(ValueError):
        gs1.make_tracking_number("12", 1)
    with pytest.raises(ValueError):
        gs1.make_tracking_number("7350000", 10**9)
    with pytest.raises(ValueError):
        gs1.make_tracking_number("7350000", 1, extension=10)
    with pytest.raises(ValueError):
        gs1.sscc_check_digit("123")


@given(serial=st.integers(min_value=0, max_value=10**9 - 1), ext=st.integers(0, 9))
def test_every_made_number_validates_and_a_changed_digit_does_not(serial, ext):
    number = gs1.make_tracking_number("7350000", serial, ext)
    assert gs1.is_valid_sscc_tracking(number)
    last = int(number[-1])
    assert not gs1.is_valid_sscc_tracking(number[:-1] + str((last + 1) % 10))


def test_ean13():
    assert gs1.is_valid_ean13("4006381333931")
    assert not gs1.is_valid_ean13("4006381333932")
    assert gs1.make_ean13("400638133393") == "4006381333931"
