"""CSV files that are safe to open in a spreadsheet program (one writer for every export).

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula, which can fetch addresses or run commands when the file is opened: such a cell gets
a leading apostrophe (OWASP's advice), which the programs show as plain text. Only text is changed: numbers
(a negative value in the open data's tables, an id) are written by Python as numbers and stay numbers, and a
participant who types "-5" in a comment gets text back, as they typed text.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """The cell as written: text that would start a formula gets a leading apostrophe; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: list[str], rows) -> str:
    """The CSV of `rows`, with a byte-order mark so spreadsheet programs read the Persian text as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return buffer.getvalue()
