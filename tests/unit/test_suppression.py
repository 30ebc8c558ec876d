"""Small-cell suppression (S2): hand-checked tables, and a property test on random ones that no suppressed
entry can be recovered from what is published."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from eparticipation.reports.suppression import bridges, extend, suppress, suppress_grid, suppress_table


def test_nothing_small_publishes_everything():
    assert suppress([[5, 0], [7, 12]], 5) == [[5, 0, 5], [7, 12, 19], [12, 12, 24]]


def test_a_small_cell_takes_the_smallest_other_cells_of_its_row_and_column():
    published = suppress([[3, 10, 20], [8, 9, 30], [40, 50, 60]], 5)
    assert published == [
        [None, None, 20, 33],
        [None, None, 30, 47],
        [40, 50, 60, 150],
        [51, 69, 110, 230],
    ]


def test_a_small_total_is_suppressed_and_its_line_too():
    # The first row adds up to 4: its total is small, and so is its only non-zero cell.
    published = suppress([[4, 0], [10, 10], [6, 20]], 5)
    assert published[0] == [None, 0, None]
    assert all(sum(value is None for value in line) != 1 for line in published + [list(c) for c in zip(*published)])


def test_zeros_are_published_and_a_zero_table_is_all_zeros():
    assert suppress([[0, 0], [0, 0]], 5) == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert suppress([], 5) == [[0]]


def test_a_single_column_suppresses_each_small_row_with_its_total():
    published = suppress([[12], [2], [30], [7]], 5)
    assert published == [[12, 12], [None, None], [30, 30], [None, None], [51, 51]]


def test_forced_entries_are_suppressed_and_protected():
    table = suppress_table([[10, 20], [30, 40]], 5, forced=frozenset({(2, 0)}))
    assert table.column_totals[0] is None
    assert table.column_totals.count(None) + (table.total is None) >= 2


def test_bridges_are_the_edges_on_no_cycle():
    square = {(0, 0), (0, 1), (1, 0), (1, 1)}
    other_square = {(2, 2), (2, 3), (3, 2), (3, 3)}
    assert bridges(square) == set()
    assert bridges(square | other_square | {(1, 2)}) == {(1, 2)}


def test_two_squares_joined_by_one_cell_are_closed_into_a_cycle():
    # Two blocks of small cells joined by one small cell: every line has two suppressed entries, yet the
    # joining cell would be determined; suppression must add a cell that closes a cycle through it.
    cells = [
        [1, 1, 50, 50, 0],
        [1, 1, 1, 50, 0],
        [50, 50, 1, 1, 0],
        [50, 50, 1, 1, 0],
    ]
    published = suppress(cells, 5)
    assert undetermined(cells, published)


# --- the property test ----------------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 0), st.integers(1, 9), st.integers(10, 60))


@st.composite
def tables(draw):
    rows, columns = draw(st.integers(1, 7)), draw(st.integers(1, 5))
    return [[draw(counts) for _ in range(columns)] for _ in range(rows)]


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 11))
def test_random_tables_disclose_no_small_count(cells, k):
    published = suppress(cells, k)
    truth = [list(row) + [sum(row)] for row in cells]
    truth.append([sum(column) for column in zip(*truth)])
    for true_row, shown_row in zip(truth, published):
        for true_value, shown in zip(true_row, shown_row):
            assert shown is None or shown == true_value
            assert shown is None or not 0 < shown < k
    for line in published + [list(column) for column in zip(*published)]:
        assert sum(value is None for value in line) != 1
    assert undetermined(cells, published)


def undetermined(cells, published) -> bool:
    """Solve: with the published entries fixed, is every suppressed entry free to take another value? True
    when no suppressed entry is a combination of the equations (rows and columns of the extended matrix
    add up to their totals), i.e. adding "x = value" to them raises their rank."""
    rows, columns = len(published), len(published[0])
    unknowns = [(i, j) for i in range(rows) for j in range(columns) if published[i][j] is None]
    index = {position: n for n, position in enumerate(unknowns)}
    equations = []
    for line in [[(i, j) for j in range(columns)] for i in range(rows)] + \
            [[(i, j) for i in range(rows)] for j in range(columns)]:
        *parts, total = line
        equation = [Fraction(0)] * len(unknowns)
        for position, sign in [(p, 1) for p in parts] + [(total, -1)]:
            if position in index:
                equation[index[position]] += sign
        if any(equation):
            equations.append(equation)
    base = rank(equations)
    for position in unknowns:
        pinned = [Fraction(0)] * len(unknowns)
        pinned[index[position]] = Fraction(1)
        if rank(equations + [pinned]) == base:
            return False
    return True


def rank(matrix) -> int:
    matrix = [list(row) for row in matrix]
    found = 0
    width = len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found])]
        found += 1
    return found


# --- public entries: what the site shows anyway is published, and the cells are protected against it ----

def test_a_public_total_is_published_and_its_cells_protected_against_it():
    # Three comments, all by women: the total is on the draft page, so it is shown; the women's 3 and even
    # the published zeros would give it away, so the zeros of that column go too.
    cells = [[3], [0], [0]]
    grid, hidden = suppress_grid(extend(cells), 5, public={(3, 0), (3, 1)})
    assert (3, 0) not in hidden and (3, 1) not in hidden
    assert (0, 0) in hidden and sum((i, 0) in hidden for i in range(3)) >= 2


def test_a_cell_that_public_numbers_give_away_is_published():
    # One row: its cell is its total, which is public.
    grid, hidden = suppress_grid(extend([[2]]), 5, public={(1, 1)})
    assert hidden == set()


@st.composite
def tables_with_public_margins(draw):
    cells = draw(tables())
    rows, columns = len(cells), len(cells[0])
    margins = [(rows, j) for j in range(columns + 1)]
    return cells, frozenset(draw(st.sets(st.sampled_from(margins))))


@settings(max_examples=300, deadline=None)
@given(tables_with_public_margins(), st.integers(2, 11))
def test_public_margins_are_shown_and_still_nothing_small_is_disclosed(table, k):
    cells, public = table
    grid, hidden = suppress_grid(extend(cells), k, public=public)
    published = [[None if (i, j) in hidden else value for j, value in enumerate(row)] for i, row in enumerate(grid)]
    assert not hidden & public
    assert undetermined(cells, published)  # every suppressed entry can still take another value
    for i, row in enumerate(published):
        for j, value in enumerate(row):
            if value is not None and 0 < value < k and (i, j) not in public:
                # shown small only because the public and published numbers determine it anyway
                probe = [list(r) for r in published]
                probe[i][j] = None
                assert not undetermined(cells, probe)
