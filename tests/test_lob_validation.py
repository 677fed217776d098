"""Validation protocols against LOBSTER orderbook files (specs/lob.md).

Protocol 1 on every message of the real AMZN and GOOG level-5 days (skipped cleanly when
``../shared`` is absent) and of the bundled synthetic day; protocol 2 (k-step replays).
"""

import numpy as np
import pytest

from hftlab.lob import lobster, validate

REAL_DAYS = ["AMZN_2012-06-21_5", "GOOG_2012-06-21_5"]


def _real(name):
    for p in lobster.sample_days():
        if name.split("_")[0] in p.name and p.name.endswith(f"_{name.split('_')[-1]}.zip"):
            return lobster.load(p)
    pytest.skip(f"real LOBSTER day {name} not found (../shared/data/lobster absent)")


@pytest.mark.parametrize("name", REAL_DAYS)
def test_one_step_agrees_on_every_message_of_real_days(name):
    day = _real(name)
    agree = validate.one_step(lobster.to_messages(day), day.orderbook)
    assert agree.shape == (len(day.orderbook) - 1, day.levels - 1)
    summary = validate.summary(agree)
    assert summary["disagreements"] == 0, summary


def test_one_step_agrees_on_the_sample_day():
    day = lobster.sample_day()
    agree = validate.one_step(lobster.to_messages(day), day.orderbook)
    assert agree.all() and len(agree) == len(day.orderbook) - 1


def test_one_step_catches_a_wrong_orderbook():
    day = lobster.sample_day()
    ob = day.orderbook.copy()
    ob[100, 1] += 7  # ask size at level 1 after message 100
    agree = validate.one_step(lobster.to_messages(day), ob)
    bad = np.where(~agree.all(axis=1))[0]
    assert set(bad.tolist()) == {99, 100}  # into row 100, and out of it


def test_k_step_agreement_starts_exact_and_decays_on_a_real_day():
    day = _real("GOOG_2012-06-21_5")
    table = validate.k_step(lobster.to_messages(day), day.orderbook, ks=(1, 10, 100), n_windows=300)
    agreement = table.set_index("k")["agreement"]
    assert agreement[1] == 1.0
    assert agreement[100] < agreement[10] <= 1.0  # unseen deeper liquidity makes long replays drift


def test_compared_levels_rule():
    assert [validate.compared_levels(L) for L in (1, 2, 5, 10)] == [1, 1, 4, 9]
    assert [validate.compared_levels_label(L) for L in (1, 2, 10)] == ["level 1", "levels 1..1", "levels 1..9"]
    day = lobster.sample_day()
    agree = validate.one_step(lobster.to_messages(day)[:50], day.orderbook[:50])
    assert agree.shape == (49, validate.compared_levels(day.levels))
    file_l2 = lobster.orderbook_l2(day)[:3]
    mine = file_l2.copy()
    mine[:, -1] = 0  # the last level is never compared
    np.testing.assert_array_equal(validate.l2_agrees(mine, file_l2), [True, True, True])
    mine[1, 0, 1] += 1
    np.testing.assert_array_equal(validate.l2_agrees(mine, file_l2), [True, False, True])
    assert validate.l2_agrees(mine[0], file_l2[0]) and not validate.l2_agrees(mine[1], file_l2[1])
