"""A figure is judged against its goal as the page says: a value, or its ratio to the peer's."""

from __future__ import annotations

import pytest

from bench.figures import Figure, Goal, interleaved_medians, ratio_text


def test_a_ratio_goal_divides_by_the_peer_and_a_plain_goal_does_not() -> None:
    within = Figure("hook", 110.0, "µs", "bare", 100.0, Goal("<=", 1.2, of_ratio=True))
    over = Figure("hook", 130.0, "µs", "bare", 100.0, Goal("<=", 1.2, of_ratio=True))
    plain = Figure("calls", 3, "calls", "HttpSensor", 10082, Goal("<=", 5))

    assert (within.met, over.met, plain.met) == (True, False, True)
    assert Figure("x", 1.0, "s", goal=Goal("<=", 1.2, of_ratio=True)).met is False  # no peer: unproven
    assert Figure("x", 1.0, "s").met is None


def test_the_json_form_reads_back_as_the_same_figure_with_its_ratio_and_verdict() -> None:
    figure = Figure("hook", 110.0, "µs", "bare", 100.0, Goal("<=", 1.2, of_ratio=True))

    data = figure.to_json()

    assert (data["ratio"], data["met"]) == (1.1, True)
    assert Figure.from_json(data) == figure
    assert figure.verdict() == "110 µs, 1.10x bare (100 µs) (goal <= 1.2x the peer: met)"


def test_a_small_ratio_reads_as_a_fraction_not_as_zero() -> None:
    assert ratio_text(3 / 10082) == "1/3,361"
    assert ratio_text(0.87) == "0.87x"


def test_interleaved_rounds_alternate_the_order_and_give_each_contenders_median() -> None:
    order: list[str] = []
    samples = {"a": iter([5.0, 1.0, 3.0]), "b": iter([2.0, 9.0, 4.0])}

    def contender(name: str) -> float:
        order.append(name)
        return next(samples[name])

    medians = interleaved_medians({name: lambda name=name: contender(name) for name in "ab"}, 3)

    assert medians == {"a": 3.0, "b": 4.0}
    assert order == ["a", "b", "b", "a", "a", "b"]
    with pytest.raises(ValueError, match="at least 1"):
        interleaved_medians({}, 0)
