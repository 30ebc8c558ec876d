"""Where participants live: the 31 provinces of Iran (ISO 3166-2:IR), abroad, or undisclosed."""

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

ABROAD = "abroad"
UNDISCLOSED = "undisclosed"


@dataclass(frozen=True)
class Province:
    code: str
    name_en: str
    name_fa: str

    def name(self, locale_name: str) -> str:
        return self.name_fa if locale_name == "fa" else self.name_en


@cache
def provinces() -> tuple[Province, ...]:
    """The provinces of `data/ir-provinces.csv`, in the file's (ISO code) order."""
    text = files("eparticipation").joinpath("data/ir-provinces.csv").read_text(encoding="utf-8")
    return tuple(Province(**row) for row in csv.DictReader(text.splitlines()))


def residence_codes() -> tuple[str, ...]:
    """Every value a profile may hold for its place of residence."""
    return tuple(p.code for p in provinces()) + (ABROAD, UNDISCLOSED)
