"""Answer letters ("yazı ile cevap"): a printable A4 PDF on the municipality's letterhead.

fpdf2 embeds a TrueType font, so Turkish letters (ğ ü ş ı ö ç İ) print and copy as text. The
font is DejaVu Sans from Debian's fonts-dejavu-core (scripts/install.sh installs it); the
folder is a setting (``HUB_LETTER_FONT_DIR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Istanbul")
MONTHS = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım",
          "Aralık")  # fmt: skip
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class LetterFontMissing(RuntimeError):
    pass


def turkish_date(value: date | datetime) -> str:
    """6 Aralık 2026 (Istanbul's calendar day for a datetime)."""
    if isinstance(value, datetime):
        value = value.astimezone(TZ).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def turkish_upper(text: str) -> str:
    """Upper case the Turkish way: i → İ, ı → I (str.upper() would turn i into I)."""
    return text.replace("i", "İ").replace("ı", "I").upper()


@dataclass(slots=True)
class Letter:
    municipality: str
    tracking_code: str
    received_at: datetime
    answer: str
    signer_name: str
    signer_title: str
    dated: datetime
    sayi: str = ""
    konu: str = ""
    address: str = ""  # the municipality's, under the letterhead and in the footer
    recipient_name: str = ""
    recipient_address: str = ""
    logo_path: Path | None = None


def render(letter: Letter, font_dir: Path) -> bytes:
    from fpdf import FPDF

    fonts = {style: Path(font_dir) / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in fonts.values() if not p.is_file()]
    if missing:
        raise LetterFontMissing(f"letter font not found: {', '.join(missing)}")
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.set_title(f"{letter.tracking_code} cevap yazısı")
    pdf.set_author(letter.municipality)
    pdf.set_creator("Talep Hub")
    for style, path in fonts.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.add_page()
    width = pdf.epw

    if letter.logo_path and Path(letter.logo_path).is_file():
        pdf.image(str(letter.logo_path), x=pdf.l_margin, y=15, h=22)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 6, "T.C.", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, turkish_upper(letter.municipality), align="C", new_x="LMARGIN", new_y="NEXT")
    if letter.address:
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(width, 4.5, letter.address, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    pdf.set_font("DejaVu", "", 10.5)
    sayi = f"{letter.sayi}-{letter.tracking_code}" if letter.sayi else letter.tracking_code
    pdf.cell(width * 0.65, 6, f"Sayı  : {sayi}")
    pdf.cell(width * 0.35, 6, turkish_date(letter.dated), align="R", new_x="LMARGIN", new_y="NEXT")
    konu = letter.konu or f"{letter.tracking_code} takip numaralı başvurunuz hk."
    pdf.multi_cell(width, 6, f"Konu : {konu}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    if letter.recipient_name or letter.recipient_address:
        pdf.set_font("DejaVu", "B", 10.5)
        if letter.recipient_name:
            pdf.multi_cell(width, 6, f"Sayın {letter.recipient_name}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10.5)
        if letter.recipient_address:
            pdf.multi_cell(width * 0.6, 5.5, letter.recipient_address, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)

    pdf.set_font("DejaVu", "", 10.5)
    ilgi = (f"İlgi : {turkish_date(letter.received_at)} tarihli ve {letter.tracking_code} takip numaralı "
            "başvurunuz.")  # fmt: skip
    pdf.multi_cell(width, 6, ilgi, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for paragraph in [p.strip() for p in letter.answer.replace("\r\n", "\n").split("\n\n") if p.strip()]:
        pdf.multi_cell(width, 6, " ".join(paragraph.split()), align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.multi_cell(width, 6, "Bilgilerinize rica ederim.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)

    block = 75
    pdf.set_x(pdf.l_margin + width - block)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.multi_cell(block, 6, letter.signer_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + width - block)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(block, 5.5, letter.signer_title, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_auto_page_break(auto=False)  # the footer sits inside the bottom margin
    pdf.set_y(-22)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(90, 90, 90)
    footer = f"{letter.municipality}" + (f" · {letter.address}" if letter.address else "")
    pdf.multi_cell(width, 4, footer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 4, f"Başvurunuzun durumunu takip numaranızla ({letter.tracking_code}) sorgulayabilirsiniz.",
             align="C")  # fmt: skip
    return bytes(pdf.output())
