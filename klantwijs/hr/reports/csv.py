"""Download CSV of Voortgang: UTF-8 with BOM and ';' so Dutch Excel opens it in columns.

Streamed: stream.stream_cells reads the cells in batches and csv_chunks turns them into
pieces of the download as they come, so a worker's memory does not grow with the company.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from .matrix import STATUS_FILTERS, Report
from .stream import CellLine

CSV_COLUMNS = [
    "naam",
    "e-mail",
    "team",
    "module",
    "toegewezen op",
    "deadline",
    "status",
    "beste score",
    "geslaagd op",
    "pogingen",
    "herhalen goed na 30+ dagen",
]


def neutralise(value: str) -> str:
    """Stop spreadsheet formulas: a cell starting with = + - @ tab or CR gets a leading '."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


CHUNK = 64 * 1024  # characters gathered before a piece of the download is sent


def _line(writer, buffer: io.StringIO, values: list[str]) -> str:
    writer.writerow([neutralise(v) for v in values])
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_chunks(lines: Iterable[CellLine]) -> Iterator[bytes]:
    """The CSV as UTF-8 pieces: the BOM and the header at once (before `lines` is asked for
    anything, so the download starts while the database still sorts), then one line per
    person and assigned module as `lines` (stream.stream_cells) yields them, in pieces of
    about CHUNK characters. Nothing is kept but the piece being filled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield ("\ufeff" + _line(writer, buffer, CSV_COLUMNS)).encode("utf-8")
    piece: list[str] = []
    size = 0
    for line in lines:
        cell = line.cell
        text = _line(
            writer,
            buffer,
            [
                line.name if line.active else f"{line.name} (inactief)",
                line.email,
                line.teams,
                line.module.title,
                _date(cell.assigned_at),
                _date(cell.due_date),
                cell.label,
                "" if cell.best_percent is None else f"{cell.best_percent}%",
                _date(cell.passed_at),
                str(cell.attempts),
                line.retained.text if line.retained else "",
            ],
        )
        piece.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(piece).encode("utf-8")
            piece, size = [], 0
    if piece:
        yield "".join(piece).encode("utf-8")


def report_csv(report: Report, status: str | None = None) -> str:
    """The same CSV for a built Report (a small selection), whole, as text."""
    wanted = STATUS_FILTERS.get(status or "")
    lines = (
        CellLine(row.name, row.email, row.active, ", ".join(row.teams), module, cell)
        for row in report.rows
        for module in report.modules
        if (cell := row.cells.get(module.slug)) is not None
        and not (wanted and cell.shown is not wanted)
    )
    return b"".join(csv_chunks(lines)).decode("utf-8")
