"""The service trend page's breakdowns (who rated, by category, age band, gender and province): a property test
on random groups of raters that no count from 1 to k − 1 is published unless the public total gives it away
anyway, that no suppressed count can be recovered, and that an average is given only for at least k ratings."""

from hypothesis import given, settings
from hypothesis import strategies as st

from eparticipation.reports.service_trend import breakdowns_of
from eparticipation.reports.statistics import DIMENSIONS, UNDISCLOSED

from .test_suppression import undetermined

PROFILE_VALUES = [[*keys[:3], None] for keys in DIMENSIONS.values()]  # a few values of each, and NULL


@st.composite
def profile_groups(draw):
    """Ratings grouped by (category, age band, gender, province) as the page's statement returns them."""
    groups = {}
    for _ in range(draw(st.integers(0, 12))):
        key = tuple(draw(st.sampled_from(values)) for values in PROFILE_VALUES)
        count = draw(st.one_of(st.integers(1, 4), st.integers(5, 30)))
        groups[key] = groups.get(key, (0, 0))
        groups[key] = (groups[key][0] + count, groups[key][1] + count * draw(st.integers(1, 5)))
    return [(*key, count, total) for key, (count, total) in groups.items()]


def true_counts(rows, position, dimension):
    keys = DIMENSIONS[dimension]
    counts = [0] * len(keys)
    for row in rows:
        value = row[position]
        counts[keys.index(value if value in keys else UNDISCLOSED)] += row[4]
    return counts


@settings(max_examples=200, deadline=None)
@given(profile_groups(), st.integers(2, 8))
def test_the_breakdowns_disclose_no_small_group(rows, k):
    found = breakdowns_of(rows, k)
    everyone = sum(row[4] for row in rows)
    for position, dimension in enumerate(DIMENSIONS):
        table, averages = found[dimension]
        truth = true_counts(rows, position, dimension)
        assert table.total == everyone  # public: the service page shows it
        shown = [row[0] for row in table.cells]
        published = [[value, value] for value in shown] + [[table.total, table.total]]
        extended = [[n] for n in truth]
        assert undetermined(extended, published)
        for value, true_value, average in zip(shown, truth, averages):
            assert value is None or value == true_value
            if value is not None and 0 < value < k:
                # shown small only when the public total and the other published rows determine it
                assert sum(v is None for v in shown) == 0
            assert average is None or (value is not None and value >= k)


def test_one_rater_alone_is_not_shown_in_any_group():
    rows = [("ngo", "25_34", "female", "IR-07", 1, 4), (None, None, None, None, 9, 30)]
    found = breakdowns_of(rows, 5)
    for dimension in DIMENSIONS:
        table, averages = found[dimension]
        assert 1 not in [row[0] for row in table.cells], dimension
        assert table.total == 10
