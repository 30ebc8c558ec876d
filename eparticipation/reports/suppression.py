"""Small-cell suppression (DESIGN S2) of a table of counts published with its margins.

A table of r rows and c columns is published as its *extended* matrix of (r + 1) × (c + 1) entries: the
cells, then each row's total in a last column, then each column's total in a last row, and the grand total
in the corner. Every row and every column of the extended matrix is one linear equation (the entries before
the last add up to the last), which is all a reader can use to recover a suppressed entry.

1. Primary suppression: every entry from 1 to k − 1, cells and totals alike. Zeros are published: that
   nobody of a group took part discloses nothing about a person.
2. Secondary suppression, repeated until nothing changes:
   - a line (row or column of the extended matrix) with exactly one suppressed entry would give it away
     (total minus the others): one more entry of that line is suppressed, the smallest non-zero one
     (zeros only when nothing else is left), a cell before a total at the same value;
   - two lines each with two suppressed entries can still pin one down: seen as a bipartite graph (one node
     per row, one per column, one edge per suppressed entry), a suppressed entry is determined by the
     equations exactly when its edge is a bridge (lies on no cycle; after flipping the sign of the margins
     the equations are those of the graph's incidence matrix, whose kernel is its cycle space). A bridge is
     closed into a cycle by suppressing one entry that joins the two sides it separates.
   At the end every line has no suppressed entry or at least two, and every suppressed entry lies on a
   cycle of suppressed entries, so each can move (+1 / −1 around the cycle) without changing any
   published number.
3. Public entries — numbers the site already shows (the draft page's tally, its count of comments) — are
   never suppressed: hiding them protects nobody and only hides what anyone can count. They are treated
   as published, so the cells around them are protected against them; an entry that the public ones and
   the published ones determine (the last one left in a line, or a bridge that nothing else can close) is
   as public as they are and is published too.
"""

from dataclasses import dataclass

Position = tuple[int, int]


@dataclass(frozen=True)
class Suppressed:
    """A suppressed table: `cells`, `row_totals`, `column_totals` and `total`, None where suppressed."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


def suppress(cells: list[list[int]], k: int) -> list[list[int | None]]:
    """The extended matrix of `cells` ((r + 1) × (c + 1): each row followed by its total, then the row of
    column totals ending with the grand total), with None for every suppressed entry ("fewer than k")."""
    grid, hidden = suppress_grid(extend(cells), k)
    return [[None if (i, j) in hidden else value for j, value in enumerate(row)] for i, row in enumerate(grid)]


def suppress_table(cells: list[list[int]], k: int, forced: frozenset[Position] = frozenset(),
                   width: int | None = None, public: frozenset[Position] = frozenset()) -> Suppressed:
    """`suppress`, split into cells and margins; `forced` entries of the extended matrix are suppressed
    whatever their value (an entry shown as suppressed in another table that shares it), `public` ones
    never (a number the site shows anyway). `width` is the number of columns, for a table that may have no
    rows."""
    grid, hidden = suppress_grid(extend(cells, width), k, forced, public)
    shown = [[None if (i, j) in hidden else value for j, value in enumerate(row)] for i, row in enumerate(grid)]
    return Suppressed(
        cells=[row[:-1] for row in shown[:-1]],
        row_totals=[row[-1] for row in shown[:-1]],
        column_totals=shown[-1][:-1],
        total=shown[-1][-1],
    )


def extend(cells: list[list[int]], width: int | None = None) -> list[list[int]]:
    """The matrix with its row totals, column totals and grand total."""
    if width is None:
        width = len(cells[0]) if cells else 0
    if any(len(row) != width for row in cells):
        raise ValueError("every row of a table has the same number of cells")
    if any(value < 0 for row in cells for value in row):
        raise ValueError("counts are never negative")
    column_totals = [sum(row[j] for row in cells) for j in range(width)]
    return [list(row) + [sum(row)] for row in cells] + [column_totals + [sum(column_totals)]]


def suppress_grid(grid: list[list[int]], k: int, forced=frozenset(),
                  public=frozenset()) -> tuple[list[list[int]], set[Position]]:
    """The positions of the extended matrix `grid` to suppress (see the module's docstring)."""
    if k < 1:
        raise ValueError("k is at least 1")
    public = set(public)
    hidden = {(i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if 0 < value < k}
    hidden = (hidden | set(forced)) - public
    while complete_lines(grid, hidden, public) or close_bridges(grid, hidden, public):
        pass
    return grid, hidden


def lines(grid) -> list[list[Position]]:
    rows, columns = len(grid), len(grid[0])
    return [[(i, j) for j in range(columns)] for i in range(rows)] + [
        [(i, j) for i in range(rows)] for j in range(columns)
    ]


def cheapest(grid, candidates: list[Position]) -> Position | None:
    """The entry whose suppression loses least: the smallest non-zero value, a cell before a total."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def cost(position):
        i, j = position
        value = grid[i][j]
        return (value == 0, value, i == last_row or j == last_column, position)

    return min(candidates, key=cost, default=None)


def complete_lines(grid, hidden: set[Position], public: set[Position]) -> bool:
    """Suppress a second entry in the first line that has exactly one, or, when every other entry of the line
    is public, publish the one (the public ones give it away); True if something changed."""
    for line in lines(grid):
        alone = [position for position in line if position in hidden]
        if len(alone) == 1:
            choice = cheapest(grid, [p for p in line if p not in hidden and p not in public])
            if choice is not None:
                hidden.add(choice)
            else:
                hidden.discard(alone[0])
                public.add(alone[0])
            return True
    return False


def close_bridges(grid, hidden: set[Position], public: set[Position]) -> bool:
    """Close the first bridge of the graph of suppressed entries into a cycle, or publish it when only public
    entries could close it (the equations determine it); True if something changed. Called only when every
    node has degree 0 or at least 2, so both sides of a bridge have a row and a column."""
    for bridge in sorted(bridges(hidden)):
        i, j = bridge
        row_side = reachable(hidden - {bridge}, ("row", i))
        column_side = reachable(hidden - {bridge}, ("column", j))
        candidates = [
            (row, column)
            for kind_r, row in column_side if kind_r == "row"
            for kind_c, column in row_side if kind_c == "column"
            if (row, column) not in hidden
        ]
        choice = cheapest(grid, [candidate for candidate in candidates if candidate not in public])
        if choice is not None:
            hidden.add(choice)
            return True
        if candidates:  # only public entries would close it: they and the published ones determine it
            hidden.discard(bridge)
            public.add(bridge)
            return True
    return False


def adjacency(edges) -> dict:
    graph = {}
    for i, j in edges:
        graph.setdefault(("row", i), []).append(("column", j))
        graph.setdefault(("column", j), []).append(("row", i))
    return graph


def reachable(edges, start) -> set:
    graph, seen, stack = adjacency(edges), {start}, [start]
    while stack:
        for neighbour in graph.get(stack.pop(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen


def bridges(edges: set[Position]) -> set[Position]:
    """The edges on no cycle (Tarjan's low-link, iteratively; the graph is simple)."""
    graph = adjacency(edges)
    order, low, found = {}, {}, set()
    for root in graph:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(graph[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            advanced = False
            for neighbour in neighbours:
                if neighbour == parent:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, node, iter(graph[neighbour])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        row, column = (node, parent) if node[0] == "row" else (parent, node)
                        found.add((row[1], column[1]))
    return found
