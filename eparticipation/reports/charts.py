"""The report's figures, from its published (already suppressed) tables: the age × gender population pyramid,
the tile map of the provinces, and the votes per article. Each figure only places numbers the tables publish:
a suppressed cell stays None here and reads «< k» on the page, never its number."""

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from eparticipation.geography import ABROAD, UNDISCLOSED, provinces

SHADES = 4  # the tile map's steps of colour, lightest (fewest) to darkest


@dataclass(frozen=True)
class Tile:
    code: str
    row: int  # 1 = north
    column: int  # 1 = west
    short_en: str
    short_fa: str

    def short(self, language: str) -> str:
        return self.short_fa if language == "fa" else self.short_en


@cache
def tiles() -> tuple[Tile, ...]:
    """Each province's square in the tile map (data/ir-province-tiles.csv): a fixed grid where neighbours stay
    neighbours, north up and west on the left, whatever the page's direction (a map is not mirrored)."""
    text = files("eparticipation").joinpath("data/ir-province-tiles.csv").read_text(encoding="utf-8")
    return tuple(Tile(row["code"], int(row["row"]), int(row["column"]), row["short_en"], row["short_fa"])
                 for row in csv.DictReader(text.splitlines()))


def find(statistics: dict | None, table_id: str) -> dict | None:
    return next((t for t in (statistics or {}).get("tables", []) if t["id"] == table_id), None)


def shade(value, largest: int) -> str:
    """The tile's class: "none" for 0, "hidden" for a suppressed count, else "1" … SHADES by its share of the
    largest count."""
    if value is None:
        return "hidden"
    if not value or not largest:
        return "none"
    return str(max(1, min(SHADES, -(-value * SHADES // largest))))


def tile_map(statistics: dict | None, language: str) -> dict | None:
    """The grid of the participants per province: rows of cells, each a tile or None (sea or desert); with
    the abroad and undisclosed counts, and the legend's ranges."""
    table = find(statistics, "participants_by_province")
    if table is None:
        return None
    values = {key: row[0] for key, row in zip(table["row_keys"], table["cells"])}
    shown = [values.get(tile.code) for tile in tiles()]
    largest = max((v for v in shown if isinstance(v, int)), default=0)
    names = {p.code: p.name(language) for p in provinces()}
    height = max(tile.row for tile in tiles())
    width = max(tile.column for tile in tiles())
    grid = [[None] * width for _ in range(height)]
    for tile, value in zip(tiles(), shown):
        grid[tile.row - 1][tile.column - 1] = {
            "code": tile.code, "name": names.get(tile.code, tile.code), "short": tile.short(language),
            "value": value, "shade": shade(value, largest),
        }
    legend = [{"shade": str(step), "low": (largest * (step - 1)) // SHADES + 1, "high": -(-largest * step // SHADES)}
              for step in range(1, SHADES + 1)] if largest else []
    legend = [entry for entry in legend if entry["low"] <= entry["high"]]
    return {"rows": grid, "largest": largest, "legend": legend,
            "abroad": values.get(ABROAD), "undisclosed": values.get(UNDISCLOSED)}


@dataclass
class PyramidRow:
    label: str
    start: int | None  # the first gender's count (None: suppressed), drawn on the page's start side
    end: int | None
    start_width: float  # share of the widest bar, 0..1
    end_width: float


def pyramid(statistics: dict | None, age_label, gender_label) -> dict | None:
    """The age × gender pyramid: the oldest band on top, female on the start side and male on the end side;
    the undisclosed age band and gender stay in the table beneath, not in the figure."""
    table = find(statistics, "participants_by_age_band_gender")
    if table is None:
        return None
    genders = table["column_keys"]
    start, end = genders.index("female"), genders.index("male")
    rows = [(key, cells) for key, cells in zip(table["row_keys"], table["cells"]) if key != UNDISCLOSED]
    numbers = [v for _, cells in rows for v in (cells[start], cells[end]) if isinstance(v, int)]
    largest = max(numbers, default=0) or 1

    def width(value):
        return value / largest if isinstance(value, int) else 0.0

    return {
        "start_label": gender_label("female"), "end_label": gender_label("male"),
        "rows": [PyramidRow(age_label(key), cells[start], cells[end], width(cells[start]), width(cells[end]))
                 for key, cells in reversed(rows)],
    }


def article_votes(statistics: dict | None, article_label) -> list[dict]:
    """Per article, how the authors of its comments voted: the three shares (None when suppressed)."""
    table = find(statistics, "author_votes_by_article")
    if table is None or not table.get("shares"):
        return []
    return [{"label": article_label(key), "support": shares[0], "oppose": shares[1], "abstain": shares[2]}
            for key, shares in zip(table["row_keys"], table["shares"])]
