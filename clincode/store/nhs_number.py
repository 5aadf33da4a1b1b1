"""NHS numbers: ten digits whose last is a modulus 11 check digit (NHS Data Dictionary, NHS NUMBER)."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]")


def check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when no valid number can end them.

    Weights 10..2 on the first nine digits; 11 - (sum mod 11); 11 -> 0; 10 -> invalid.
    """
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def normalise_nhs_number(value: str) -> str:
    """Strip spaces and dashes ('943 476 5919' -> '9434765919')."""
    return _SEPARATORS.sub("", value or "")


def is_valid_nhs_number(value: str) -> bool:
    number = normalise_nhs_number(value)
    if len(number) != 10 or not number.isdigit():
        return False
    return check_digit(number[:9]) == int(number[9])


def validate_nhs_number(value: str) -> str:
    """The normalised NHS number, or ValueError saying what is wrong (without echoing the number)."""
    number = normalise_nhs_number(value)
    if len(number) != 10 or not number.isdigit():
        raise ValueError("an NHS number has exactly 10 digits")
    if check_digit(number[:9]) != int(number[9]):
        raise ValueError("the NHS number's check digit is wrong")
    return number


def is_test_number(value: str) -> bool:
    """Numbers starting 999 are issued for testing and never belong to a real patient."""
    return normalise_nhs_number(value).startswith("999")
