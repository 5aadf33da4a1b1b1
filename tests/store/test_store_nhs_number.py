import pytest

from clincode.store.nhs_number import check_digit, is_test_number, is_valid_nhs_number, validate_nhs_number


def test_known_valid_number_with_spaces():
    # 943 476 5919 is the NHS Data Dictionary's worked example of a valid number.
    assert is_valid_nhs_number("943 476 5919")
    assert validate_nhs_number("943-476-5919") == "9434765919"


def test_wrong_check_digit_is_refused_without_echoing_the_number():
    with pytest.raises(ValueError) as exc:
        validate_nhs_number("9434765918")
    assert "check digit" in str(exc.value)
    assert "9434765918" not in str(exc.value)


@pytest.mark.parametrize("bad", ["", "12345", "94347659190", "94347659x9"])
def test_malformed(bad):
    assert not is_valid_nhs_number(bad)


def test_remainder_ten_has_no_valid_check_digit():
    # Find nine digits whose weighted sum leaves remainder 1 (check digit 10): no number exists.
    nine = next(f"999{i:06d}" for i in range(10**6) if check_digit(f"999{i:06d}") is None)
    assert all(not is_valid_nhs_number(nine + str(d)) for d in range(10))


def test_test_range():
    n = next(f"999{i:06d}" for i in range(10**6) if check_digit(f"999{i:06d}") is not None)
    full = n + str(check_digit(n))
    assert is_valid_nhs_number(full) and is_test_number(full)
