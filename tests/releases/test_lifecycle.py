"""The lifecycle rules and the retry policy, in the core, without I/O."""

from __future__ import annotations

import random

import pytest

from exopool.backoff import Backoff
from exopool.errors import IllegalTransition
from exopool.lifecycle import NumberState, check_transition, sources_of

S = NumberState
LEGAL = [(S.AVAILABLE, S.ACTIVE), (S.ACTIVE, S.RELEASING), (S.RELEASING, S.AGING), (S.AGING, S.AVAILABLE),
         (S.AGING, S.ACTIVE), (S.RELEASING, S.RELEASE_FAILED), (S.RELEASE_FAILED, S.RELEASING)]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_each_step_of_a_numbers_life_is_allowed(current: S, target: S) -> None:
    assert check_transition(current, target) == target


@pytest.mark.parametrize(("current", "target"), [
    (a, b) for a in S for b in S if (a, b) not in LEGAL
])
def test_every_other_step_is_an_illegal_transition(current: S, target: S) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_a_release_starts_only_from_active_or_an_operators_retry() -> None:
    assert sources_of(S.RELEASING) == ("active", "release_failed")
    assert sources_of(S.AGING) == ("releasing",)


def test_back_off_doubles_within_its_jitter_and_stops_at_the_cap() -> None:
    policy, rng = Backoff(max_attempts=5, base_s=1, max_s=8), random.Random(7)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (9, 8)]:
        delays = [policy.delay_s(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempt
        assert len(set(delays)) > 1  # jittered, so workers that failed together spread out


def test_the_budget_is_spent_after_max_attempts() -> None:
    policy = Backoff(max_attempts=3)
    assert [policy.is_spent(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
