"""Property-based tests of the IKM computation (PermenPANRB 14/2017, ``ikm.py`` and
``stats.ikm_from_sums``): for any set of filled questionnaires the index stays on the
25–100 scale, equals an independent integer-only computation (no float drift, half up),
does not depend on the order of the answers, never falls when an answer rises, and its
grade follows the conversion table's lower bounds."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import gcd

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bujian.surveys import ikm
from bujian.surveys.stats import IkmResult, ikm_from_sums

Questionnaire = list[int]  # nine answers U1..U9, each 1..4

# Tests share the machine with others: a slow example is no failure of the arithmetic.
untimed = settings(deadline=None)

answers = st.integers(min_value=1, max_value=4)
questionnaires = st.lists(answers, min_size=9, max_size=9)
surveys = st.lists(questionnaires, min_size=1, max_size=60)


def _result(responses: list[Questionnaire]) -> IkmResult:
    sums = [sum(response[i] for response in responses) for i in range(ikm.ELEMENT_COUNT)]
    result = ikm_from_sums(sums, len(responses))
    assert result is not None
    return result


def _exact_index(responses: list[Questionnaire]) -> Fraction:
    """IKM × 25 before rounding, through the module's own NRR and weights."""
    n = len(responses)
    return ikm.ikm_raw([ikm.nrr(sum(r[i] for r in responses), n) for i in range(9)]) * 25


def _integer_oracle(responses: list[Questionnaire]) -> Decimal:
    """IKM × 25 in hundredths, rounded half up, with integers only: the index is
    25 × (Σ all answers) / (9 × respondents), so in hundredths 2500·S / (9n), and
    rounding half up is floor(x + 1/2) = (2·2500·S + 9n) // (2·9n)."""
    total = sum(sum(response) for response in responses)
    denominator = 9 * len(responses)
    hundredths = (2 * 2500 * total + denominator) // (2 * denominator)
    return Decimal(hundredths) / 100


@untimed
@given(responses=surveys)
def test_the_index_stays_on_the_25_to_100_scale(responses: list[Questionnaire]) -> None:
    result = _result(responses)
    assert Decimal("25.00") <= result.ikm <= Decimal("100.00")
    assert result.ikm == result.ikm.quantize(Decimal("0.01"))
    assert all(Decimal("1.000") <= value <= Decimal("4.000") for value in result.nrr)


@untimed
@given(respondents=st.integers(min_value=1, max_value=100_000))
def test_all_fours_give_exactly_100_and_all_ones_exactly_25(respondents: int) -> None:
    best = ikm_from_sums([4 * respondents] * 9, respondents)
    worst = ikm_from_sums([respondents] * 9, respondents)
    assert best is not None and worst is not None
    assert (best.ikm, best.grade) == (Decimal("100.00"), "A")
    assert (worst.ikm, worst.grade) == (Decimal("25.00"), "D")


@untimed
@given(responses=surveys)
@example(responses=[[2] * 9] + [[1] * 9] * 7)  # 28.125 exactly: rounds up to 28.13
def test_the_index_equals_an_integer_only_computation(responses: list[Questionnaire]) -> None:
    """Exact to the last hundredth: a weight of 0.11 or 0.111, or floats, would drift."""
    assert _result(responses).ikm == _integer_oracle(responses)


@untimed
@given(
    sums=st.lists(st.integers(min_value=0, max_value=4 * 10**6), min_size=9, max_size=9),
    respondents=st.integers(min_value=1, max_value=10**6),
)
def test_large_surveys_are_rounded_exactly_too(sums: list[int], respondents: int) -> None:
    """Any element sums (even impossible ones) give the exact half-up rounding of
    25·ΣS / (9n); the Decimal division inside keeps enough digits at a million answers."""
    score = ikm.ikm_score([ikm.nrr(total, respondents) for total in sums])
    exact = Fraction(25 * sum(sums), 9 * respondents)
    hundredths = exact * 100
    floor = hundredths.numerator // hundredths.denominator
    expected = floor + (1 if hundredths - floor >= Fraction(1, 2) else 0)
    assert score == Decimal(expected) / 100


@untimed
@given(respondents=st.integers(min_value=1, max_value=625).map(lambda k: 8 * k), data=st.data())
def test_an_index_exactly_half_a_hundredth_away_rounds_up(
    respondents: int, data: st.DataObject
) -> None:
    """Ties (x.xx5 exactly) are where half-even or binary floats would round down.
    25·S/(9n) in hundredths is a tie when 5000·S/(9n) is an odd integer, which needs n to
    be a multiple of 8 (5000 = 2³·5⁴); then an odd multiple of the step below is one."""
    denominator = 9 * respondents
    step = denominator // gcd(5000, denominator)  # S must be a multiple of this
    ties = [
        total
        for total in range(-(-denominator // step) * step, 4 * denominator + 1, step)
        if (5000 * total // denominator) % 2 == 1
    ]
    assert ties
    total = data.draw(st.sampled_from(ties))
    # Spread the total over the nine elements, each between n and 4n.
    sums, left = [], total
    for remaining in range(8, -1, -1):
        share = max(respondents, left - 4 * respondents * remaining)
        share = min(share, 4 * respondents)
        sums.append(share)
        left -= share
    assert left == 0 and sum(sums) == total
    result = ikm_from_sums(sums, respondents)
    assert result is not None
    tie = Fraction(2500 * total, denominator)
    assert tie.denominator == 2
    assert result.ikm == Decimal(tie.numerator + 1) / 200


@untimed
@given(responses=surveys, data=st.data())
def test_the_order_of_responses_does_not_matter(
    responses: list[Questionnaire], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(responses))
    assert _result(shuffled) == _result(responses)


@untimed
@given(nrrs=st.lists(st.fractions(min_value=1, max_value=4), min_size=9, max_size=9))
def test_the_elements_weigh_the_same(nrrs: list[Fraction]) -> None:
    """Every element weighs exactly 1/9: permuting the elements' averages keeps the index."""
    assert ikm.ikm_score(list(reversed(nrrs))) == ikm.ikm_score(nrrs)
    assert ikm.ikm_score(nrrs[1:] + nrrs[:1]) == ikm.ikm_score(nrrs)
    assert ikm.ikm_raw(nrrs) == sum(nrrs, Fraction(0)) / 9


@untimed
@given(responses=surveys, data=st.data())
def test_raising_one_answer_never_lowers_the_index(
    responses: list[Questionnaire], data: st.DataObject
) -> None:
    who = data.draw(st.integers(min_value=0, max_value=len(responses) - 1))
    element = data.draw(st.integers(min_value=0, max_value=8))
    old = responses[who][element]
    new = data.draw(st.integers(min_value=old, max_value=4))
    raised = [list(response) for response in responses]
    raised[who][element] = new
    before, after = _result(responses), _result(raised)
    assert after.ikm >= before.ikm
    assert "ABCD".index(after.grade) <= "ABCD".index(before.grade)
    # Exactly: the unrounded index rises by 25·(new − old) / (9n).
    assert _exact_index(raised) - _exact_index(responses) == Fraction(
        25 * (new - old), 9 * len(responses)
    )


@untimed
@given(responses=surveys, copies=st.integers(min_value=2, max_value=50))
def test_the_same_answers_from_more_people_give_the_same_index(
    responses: list[Questionnaire], copies: int
) -> None:
    assert _result(responses * copies).ikm == _result(responses).ikm


@untimed
@given(responses=surveys, extra=questionnaires)
def test_one_more_questionnaire_moves_the_index_toward_its_own_score(
    responses: list[Questionnaire], extra: Questionnaire
) -> None:
    """The new index lies between the old one and the newcomer's own index."""
    old, own, new = _result(responses).ikm, _result([extra]).ikm, _result([*responses, extra]).ikm
    assert min(old, own) <= new <= max(old, own)


# Every rounded value on the scale, in hundredths.
scores = st.integers(min_value=2500, max_value=10000).map(lambda h: Decimal(h) / 100)


def test_the_grade_follows_the_conversion_table_at_every_score() -> None:
    """The table's intervals: 88.31–100 A, 76.61–88.30 B, 65.00–76.60 C, 25.00–64.99 D.
    Every one of the 7,501 rounded scores, so no boundary can slip by a hundredth."""
    intervals = {
        "A": (Decimal("88.31"), Decimal("100.00")),
        "B": (Decimal("76.61"), Decimal("88.30")),
        "C": (Decimal("65.00"), Decimal("76.60")),
        "D": (Decimal("25.00"), Decimal("64.99")),
    }
    for hundredths in range(2500, 10001):
        score = Decimal(hundredths) / 100
        letter = ikm.grade_for(score).letter
        low, high = intervals[letter]
        assert low <= score <= high, (score, letter)


@untimed
@given(low=scores, high=scores)
def test_a_higher_score_never_has_a_lower_grade(low: Decimal, high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    assert "ABCD".index(ikm.grade_for(high).letter) <= "ABCD".index(ikm.grade_for(low).letter)


@untimed
@given(responses=surveys)
def test_the_grade_is_taken_from_the_rounded_index(responses: list[Questionnaire]) -> None:
    result = _result(responses)
    assert result.grade == ikm.grade_for(result.ikm).letter
    assert result.grade_label == str(ikm.grade_for(result.ikm).label)


@untimed
@given(nrrs=st.lists(st.fractions(min_value=1, max_value=4), min_size=9, max_size=9))
def test_the_weakest_elements_are_below_the_best_and_lowest_first(nrrs: list[Fraction]) -> None:
    weakest = ikm.weakest(nrrs)
    assert len(weakest) <= 3
    assert all(nrrs[i] < max(nrrs) for i in weakest)
    assert [nrrs[i] for i in weakest] == sorted(nrrs[i] for i in weakest)
    others = [nrrs[i] for i in range(9) if i not in weakest and nrrs[i] < max(nrrs)]
    # Nobody left out is lower than someone named.
    assert all(nrrs[weakest[-1]] <= value for value in others) if weakest else others == []
