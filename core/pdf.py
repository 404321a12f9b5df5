"""PDF documents (receipts, payment notices, letters, appeals) with fpdf2 and the Titillium Web
font that Bootstrap Italia ships (installed by the build), so every Latin-script name — Polish,
Czech, German, French, Spanish — prints correctly."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from core.config import ROOT

_FONT_DIRS = (
    ROOT / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web",
    ROOT / "node_modules" / "bootstrap-italia" / "dist" / "fonts" / "Titillium_Web",
)
_FILES = {"": "regular", "B": "700", "I": "italic"}


def _font_dir() -> Path:
    for directory in _FONT_DIRS:
        if (directory / "titillium-web-v10-latin-ext_latin-regular.ttf").exists():
            return directory
    raise RuntimeError("Titillium Web fonts missing: run ./scripts/bootstrap.sh")


class Document(FPDF):
    """A4 portrait document with the house font and a footer carrying page numbers."""

    def __init__(self, title: str, footer_text: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        directory = _font_dir()
        for style, weight in _FILES.items():
            self.add_font("Titillium", style,
                          str(directory / f"titillium-web-v10-latin-ext_latin-{weight}.ttf"))
        self.set_title(title)
        self.set_creator("Multe Chiare")
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.add_page()
        self.set_font("Titillium", size=10)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Titillium", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def normalize_text(self, text: str) -> str:
        # Babel's English times use a narrow no-break space, which Titillium lacks.
        return super().normalize_text(text.replace("\u202f", "\u00a0"))

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font("Titillium", "B", size)
        self.multi_cell(0, size * 0.5, text)
        self.ln(2)
        self.set_font("Titillium", size=10)

    def para(self, text: str, size: int = 10, style: str = "") -> None:
        self.set_font("Titillium", style, size)
        self.multi_cell(0, size * 0.5, text)
        self.ln(1)
        self.set_font("Titillium", size=10)

    def rows(self, pairs: list[tuple[str, str]], widths: tuple[int, int] = (70, 104)) -> None:
        """A two-column table of label/value pairs."""
        self.set_font("Titillium", size=10)
        with self.table(col_widths=widths, first_row_as_headings=False, line_height=6) as table:
            for label, value in pairs:
                row = table.row()
                row.cell(label)
                row.cell(value)
        self.ln(2)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
