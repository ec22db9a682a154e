"""Validators shared by flags, config, env and REPL commands."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gruchat import params

TEMPERATURE_MSG = "temperature must be a number from 0.0 to 2.0"
TOP_K_MSG = "top-k must be a whole number greater than 0"
TOP_P_MSG = "top-p must be a number greater than 0.0 and at most 1.0"
MAX_TOKENS_MSG = "max tokens must be a whole number from 1 to 1000000"


def rejects(parser, value, message):
    with pytest.raises(ValueError) as info:
        parser(value)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0.0), ("0.7", 0.7), ("2", 2.0), ("2.0", 2.0), (1, 1.0), (" 1.5 ", 1.5)],
)
def test_temperature_valid(text, value):
    """0.0 to 2.0 inclusive, from text or numbers."""
    assert params.temperature(text) == value


@pytest.mark.parametrize(
    "text", ["abc", "", "-1", "-0.01", "2.1", "nan", "NaN", "inf", "-inf", "1e309", None, [1]]
)
def test_temperature_invalid(text):
    """Out of range, not a number, or not finite: rejected with the accepted form."""
    rejects(params.temperature, text, TEMPERATURE_MSG)


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("40", 40), (" 7 ", 7), ("+3", 3), (9, 9)])
def test_top_k_valid(text, value):
    """Whole numbers from 1 up."""
    assert params.top_k(text) == value


@pytest.mark.parametrize(
    "text",
    ["0", "-5", "1.5", "abc", "", "1e3", "1_000", "123456789012345678901234567890", 0, True, 1.5],
)
def test_top_k_invalid(text):
    """Zero, negatives, fractions, exponents, huge numbers and booleans are rejected."""
    rejects(params.top_k, text, TOP_K_MSG)


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), ("0.5", 0.5), ("1e-9", 1e-9), (1, 1.0)])
def test_top_p_valid(text, value):
    """Greater than 0, at most 1."""
    assert params.top_p(text) == value


@pytest.mark.parametrize("text", ["0", "0.0", "-0.1", "1.01", "nan", "inf", "x"])
def test_top_p_invalid(text):
    """0 itself is excluded, as are values above 1 and non-finite ones."""
    rejects(params.top_p, text, TOP_P_MSG)


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("512", 512), ("1000000", 1_000_000)])
def test_max_tokens_valid(text, value):
    """1 to the limit."""
    assert params.max_tokens(text) == value


@pytest.mark.parametrize("text", ["0", "1000001", "-1", "12.0", "lots"])
def test_max_tokens_invalid(text):
    """Outside 1..limit or not a whole number."""
    rejects(params.max_tokens, text, MAX_TOKENS_MSG)


def test_choices_are_normalised_and_listed():
    """reasoning and device: case and spaces ignored; the error lists every choice."""
    assert params.reasoning(" SHOW ") == "show"
    assert params.reasoning("collapse") == "collapse"
    assert params.device("CUDA") == "cuda"
    rejects(params.reasoning, "loud", "reasoning must be one of: show, hide, collapse")
    rejects(params.device, "tpu", "device must be one of: auto, cpu, cuda")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *[("on", True), ("TRUE", True), ("yes", True), ("1", True), (True, True)],
        *[("off", False), ("false", False), (" No ", False), ("0", False), (False, False)],
    ],
)
def test_on_off_valid(text, value):
    """The usual spellings of on and off, and booleans as they are."""
    assert params.on_off(text) is value


@pytest.mark.parametrize("text", ["maybe", "", "2", "enabled"])
def test_on_off_invalid(text):
    """Anything else names the accepted form."""
    rejects(params.on_off, text, "expected on or off")


@pytest.mark.parametrize(
    ("text", "value"),
    [("Q8_0", "Q8_0"), ("q4k", "Q4K"), (" q6k ", "Q6K"), ("none", None), ("OFF", None), ("", None)],
)
def test_isq_valid(text, value):
    """Quantisation names are upper-cased; none/off/empty mean no ISQ."""
    assert params.isq(text) == value


@pytest.mark.parametrize("text", ["Q8-0", "Q8 0", "q8.0", "../x"])
def test_isq_invalid(text):
    """Only letters, digits and underscores."""
    rejects(params.isq, text, "isq must be a quantisation type such as Q8_0, Q4K or none")


@settings(deadline=None)
@given(st.floats(min_value=0.0, max_value=2.0, allow_nan=False))
def test_temperature_round_trips_every_float_in_range(value):
    """Any in-range float, written out as text, parses back to itself."""
    assert params.temperature(repr(value)) == value


@settings(deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_temperature_never_accepts_out_of_range(value):
    """Whatever float comes in, a returned value is finite and within 0..2."""
    try:
        result = params.temperature(str(value))
    except ValueError as exc:
        assert str(exc) == TEMPERATURE_MSG
    else:
        assert math.isfinite(result) and 0.0 <= result <= 2.0


@settings(deadline=None)
@given(st.integers())
def test_top_k_accepts_exactly_the_range(value):
    """An integer string is accepted iff it is within 1..1,000,000."""
    if 1 <= value <= 1_000_000:
        assert params.top_k(str(value)) == value
    else:
        rejects(params.top_k, str(value), TOP_K_MSG)


@pytest.mark.parametrize("parser", [params.temperature, params.top_p])
def test_float_settings_reject_booleans(parser):
    """A boolean is not a number setting (top_k already rejects it)."""
    with pytest.raises(ValueError):
        parser(True)


def test_top_k_superscript_digit_names_accepted_form():
    """Characters str.isdigit accepts but int() does not still get the accepted-form message."""
    rejects(params.top_k, "²", TOP_K_MSG)
