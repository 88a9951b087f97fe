"""GS1 SSCC helpers: check digits and 20-digit tracking numbers ("00" application identifier + SSCC).

Carriers booked through Ingrid print SSCCs as tracking numbers, e.g. ``00033333333000139047``:
AI ``00``, extension digit, GS1 company prefix, serial reference, and a mod-10 check digit.
"""

from __future__ import annotations

SSCC_AI = "00"
SSCC_LENGTH = 18  # extension (1) + company prefix and serial (16) + check digit (1)


def gs1_check_digit(digits: str) -> int:
    """GS1 mod-10 check digit for any GTIN/SSCC body: weights 3,1,3,... from the rightmost digit."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"GS1 data must be digits only, got {digits!r}")
    # Slices and map(int) rather than a loop per digit: a 100,000-row catalogue import checks each GTIN.
    total = 3 * sum(map(int, digits[::-2])) + sum(map(int, digits[-2::-2]))
    return (10 - total % 10) % 10


def sscc_check_digit(digits17: str) -> int:
    """Check digit of an SSCC whose first 17 digits are given."""
    if len(digits17) != SSCC_LENGTH - 1:
        raise ValueError(f"an SSCC body has 17 digits, got {len(digits17)}")
    return gs1_check_digit(digits17)


def make_tracking_number(company_prefix: str, serial: int, extension: int = 0) -> str:
    """A 20-digit tracking number: "00" + SSCC (extension, company prefix, zero-padded serial, check)."""
    if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 12:
        raise ValueError("a GS1 company prefix has 6 to 12 digits")
    if not 0 <= extension <= 9:
        raise ValueError("the SSCC extension digit is 0..9")
    serial_width = SSCC_LENGTH - 2 - len(company_prefix)
    if serial < 0 or serial >= 10**serial_width:
        raise ValueError(f"serial {serial} does not fit in {serial_width} digits")
    body = f"{extension}{company_prefix}{serial:0{serial_width}d}"
    return f"{SSCC_AI}{body}{sscc_check_digit(body)}"


def is_valid_sscc_tracking(value: object) -> bool:
    """True for a 20-digit "00"+SSCC string whose check digit is right."""
    if not isinstance(value, str) or len(value) != 20 or not value.isascii() or not value.isdigit():
        return False
    if not value.startswith(SSCC_AI):
        return False
    sscc = value[2:]
    return sscc_check_digit(sscc[:-1]) == int(sscc[-1])


def is_valid_ean13(value: object) -> bool:
    """True for a 13-digit EAN/GTIN-13 with a correct check digit."""
    if not isinstance(value, str) or len(value) != 13 or not value.isascii() or not value.isdigit():
        return False
    return gs1_check_digit(value[:-1]) == int(value[-1])


def make_ean13(digits12: str) -> str:
    """Append the check digit to 12 digits, giving an EAN-13."""
    if len(digits12) != 12:
        raise ValueError("an EAN-13 body has 12 digits")
    return digits12 + str(gs1_check_digit(digits12))
