"""Download CSV of Voortgang: UTF-8 with BOM and ';' so Dutch Excel opens it in columns."""

import csv
import datetime as dt
import io

from .matrix import STATUS_FILTERS, Report

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


def report_csv(report: Report, status: str | None = None) -> str:
    """One line per person and assigned module; UTF-8 BOM and ; so Dutch Excel opens it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    wanted = STATUS_FILTERS.get(status or "")
    for row in report.rows:
        for module in report.modules:
            cell = row.cells.get(module.slug)
            if cell is None or (wanted and cell.shown is not wanted):
                continue
            name = row.name if row.active else f"{row.name} (inactief)"
            writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        name,
                        row.email,
                        ", ".join(row.teams),
                        module.title,
                        _date(cell.assigned_at),
                        _date(cell.due_date),
                        cell.label,
                        "" if cell.best_percent is None else f"{cell.best_percent}%",
                        _date(cell.passed_at),
                        str(cell.attempts),
                    )
                ]
            )
    return out.getvalue()
