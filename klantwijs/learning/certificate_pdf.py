"""The Certificaat as a one-page A4 PDF (fpdf2) with a QR code (segno) to its verification page.

fpdf2 is pure Python (with fontTools and Pillow): nothing from Debian, unlike WeasyPrint's
Pango. The font is DejaVu Sans shipped in klantwijs/data/fonts (embedded as a subset), so
every name prints, also with ł, ş or ő; pypdf reads the text back (tests do).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import segno
from fpdf import FPDF

from ..core.dutch import dutch_date, to_local
from ..models import Certificate

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT = "DejaVu"
BRAND = (11, 92, 74)  # --brand in static/css/app.css
INK = (29, 35, 39)
MUTED = (79, 91, 98)
LEFT, WIDTH = 20.0, 170.0  # A4: 210 mm wide, 20 mm margins
QR_SIZE = 38.0


def qr_png(url: str) -> bytes:
    """The verification address as a QR code PNG (error correction M, quiet zone 4)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def _fit(pdf: FPDF, text: str, style: str, size: float, smallest: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits one line."""
    while size > smallest:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= WIDTH:
            break
        size -= 1
    pdf.set_font(FONT, style, size)
    return size


def render(
    certificate: Certificate, modules: list[dict], verify_url: str, revoked: bool = False
) -> bytes:
    """One A4 page: name, modules with pass dates (and validity), issue date, code, QR."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"Certificaat Klantwijs: {certificate.name}")
    pdf.set_author("Klantwijs")
    pdf.set_subject(f"Certificaat {certificate.code}")
    pdf.set_lang("nl")
    pdf.set_creation_date(certificate.issued_at.replace(tzinfo=dt.UTC))
    pdf.add_page()

    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, 210, 14, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(LEFT, 3.5)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(WIDTH, 7, "Klantwijs · omgaan met lastige en boze klanten")

    pdf.set_text_color(*INK)
    pdf.set_xy(LEFT, 36)
    pdf.set_font(FONT, "B", 34)
    pdf.cell(WIDTH, 14, "Certificaat", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT, 60)
    pdf.set_font(FONT, "", 13)
    pdf.cell(WIDTH, 8, "Hierbij verklaren wij dat", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT, 72)
    size = _fit(pdf, certificate.name, "B", 26, 12)
    if pdf.get_string_width(certificate.name) <= WIDTH:
        pdf.cell(WIDTH, size * 0.5, certificate.name, align="C")
    else:  # a very long name: wrapped at the smallest size
        pdf.multi_cell(WIDTH, 7, certificate.name, align="C")
    pdf.set_xy(LEFT, 90)
    pdf.set_font(FONT, "", 13)
    pdf.multi_cell(
        WIDTH,
        7,
        "deze modules van de cursus Klantwijs heeft gehaald:",
        align="C",
    )

    _modules_table(pdf, modules, top=106, bottom=222)

    pdf.set_xy(LEFT, 226)
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*MUTED)
    issued = dutch_date(to_local(certificate.issued_at).date())
    pdf.cell(WIDTH, 6, f"Uitgegeven op {issued}.")
    if revoked:
        pdf.set_xy(LEFT, 232)
        pdf.set_text_color(166, 27, 27)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(WIDTH, 6, "Dit certificaat is ingetrokken.")

    top = 297 - 20 - QR_SIZE
    pdf.image(io.BytesIO(qr_png(verify_url)), x=LEFT, y=top, w=QR_SIZE, h=QR_SIZE)
    text_x = LEFT + QR_SIZE + 6
    pdf.set_text_color(*INK)
    pdf.set_xy(text_x, top + 4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(WIDTH - QR_SIZE - 6, 6, "Controleer dit certificaat", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(WIDTH - QR_SIZE - 6, 5, verify_url, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(WIDTH - QR_SIZE - 6, 7, f"Code: {certificate.code}")
    return bytes(pdf.output())


def _modules_table(pdf: FPDF, modules: list[dict], top: float, bottom: float) -> None:
    """Module, Gehaald op and (when any has one) Geldig tot; rows shrink to stay on the page."""
    with_validity = any(m["valid_until"] for m in modules)
    widths = (96.0, 37.0, 37.0) if with_validity else (120.0, 50.0)
    heads = ("Module", "Gehaald op", "Geldig tot")[: len(widths)]
    row_height = max(5.0, min(9.0, (bottom - top) / (len(modules) + 1)))
    font_size = 11 if row_height >= 7 else 8
    pdf.set_xy(LEFT, top)
    pdf.set_draw_color(201, 207, 211)
    pdf.set_font(FONT, "B", font_size)
    for head, width in zip(heads, widths, strict=True):
        pdf.cell(width, row_height, head, border="B")
    pdf.ln(row_height)
    pdf.set_font(FONT, "", font_size)
    for module in modules:
        pdf.set_x(LEFT)
        title = module["title"]
        while pdf.get_string_width(title) > widths[0] - 2 and len(title) > 4:
            title = title[:-2].rstrip() + "…"
        values = [title, dutch_date(module["passed_on"])]
        if with_validity:
            values.append(dutch_date(module["valid_until"]) if module["valid_until"] else "")
        for value, width in zip(values, widths, strict=True):
            pdf.cell(width, row_height, value, border="B")
        pdf.ln(row_height)
