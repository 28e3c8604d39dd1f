"""The threshold / randomness arithmetic on the examples the OpenTelemetry sampling spec and Go's
README give (the full behaviour is checked against Go in ``test_sampler_vectors.py``)."""

from __future__ import annotations

import pytest
from pyotelcol.processors.probabilistic_sampler.config import float32, go_float32_g
from pyotelcol.processors.probabilistic_sampler.samplers import go_parse_float
from pyotelcol.processors.probabilistic_sampler.sampling import (
    ALWAYS_SAMPLE,
    NEVER_SAMPLE,
    ProbabilityRangeError,
    parse_w3c_tracestate,
    probability_to_threshold,
    rvalue_to_randomness,
    threshold_tvalue,
    tvalue_to_threshold,
)


@pytest.mark.parametrize(
    ("probability", "precision", "tvalue"),
    [
        (1.0, 4, "0"),
        (0.5, 4, "8"),
        (0.25, 4, "c"),
        (1 / 3, 4, "aaab"),
        (1 / 3, 2, "ab"),
        (0.001, 2, "ffbe"),  # near 0% more digits are kept, or every small rate would read "ff"
        (2**-56, 4, "ffffffffffffff"),
    ],
)
def test_probability_to_threshold(probability: float, precision: int, tvalue: str) -> None:
    assert threshold_tvalue(probability_to_threshold(probability, precision)) == tvalue


def test_out_of_range_probabilities_are_refused() -> None:
    for probability in (0.0, 2**-57, 1.0001, -0.5):
        with pytest.raises(ProbabilityRangeError):
            probability_to_threshold(probability, 4)


def test_the_readme_tracestate_example() -> None:
    # 50% applied to a span carrying rv 9b8233f7e3a151: 80000000000000 <= 9b8233f7e3a151, kept.
    state, error = parse_w3c_tracestate("ot=th:0;rv:9b8233f7e3a151")
    assert error is None
    threshold = probability_to_threshold(0.5, 4)
    assert threshold <= rvalue_to_randomness(state.otel.rvalue)
    state.otel.update_threshold(threshold)
    assert state.serialize() == "ot=rv:9b8233f7e3a151;th:8"


def test_thresholds_decode_with_their_trailing_zeros_restored() -> None:
    assert tvalue_to_threshold("8") == 0x80000000000000
    assert tvalue_to_threshold("0") == ALWAYS_SAMPLE
    assert threshold_tvalue(NEVER_SAMPLE) == ""


def test_float32_formatting_as_go_prints_it() -> None:
    assert float32(15.3) != 15.3
    assert go_float32_g(float32(1e-15)) == "1e-15"
    assert go_float32_g(float32(15.3)) == "15.3"


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1.0), ("0", 0.0), ("-2.5", -2.5), ("1e3", 1000.0), ("inf", float("inf")), ("0x1p-2", 0.25)],
)
def test_priority_strings_read_as_go_parses_floats(text: str, number: float) -> None:
    assert go_parse_float(text) == number


@pytest.mark.parametrize("text", ["", " 1", "1_000", "0x1", "1e400", "one"])
def test_priority_strings_go_refuses(text: str) -> None:
    assert go_parse_float(text) is None
