"""The Actie-overleg agenda as the meeting document: A4 PDF (fpdf2), marked "Vertrouwelijk" on
every page, Dutch dates, labels not codes. Per case: why it is on the agenda, its casus history in
three lines, its agreements (overdue ones stand out), and space for notes. The helping questions are
printed once per phase, not once per case, so a 20-case agenda fits in a handful of pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .agenda import ZSM_FLAG, Agenda, AgendaItem, afspraak_text, reason_note
from .labels import dutch_date, label, labels, reader_source

RED = (170, 0, 0)
GREY = (90, 90, 90)


def _font_dir() -> Path:
    """DejaVu Sans, shipped with matplotlib (a dependency): every Dutch character and the ballot boxes."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.title_line = title
        fonts = _font_dir()
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        self.set_margins(15, 18, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_creator("zorgstraf")

    def header(self):
        self.set_font("DejaVu", "B", 9)
        self.set_text_color(*RED)
        self.cell(40, 5, "VERTROUWELIJK")
        self.set_text_color(*GREY)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, self.title_line, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*GREY)
        self.line(15, self.get_y() + 1, 195, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-13)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 4, "Vertrouwelijk: alleen voor de deelnemers aan dit overleg. Dit is een advies; het Actie-overleg beslist.")
        self.cell(0, 4, f"pagina {self.page_no()} van {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _labelled(pdf: FPDF, name: str, text: str, size: float = 8.5) -> None:
    pdf.set_font("DejaVu", "B", size)
    pdf.write(4.2, f"{name}: ")
    pdf.set_font("DejaVu", "", size)
    pdf.write(4.2, text)
    pdf.ln(4.6)


def _case(pdf: Any, n: int, item: AgendaItem) -> None:  # an FPDF, or its offset_rendering recorder
    pdf.set_font("DejaVu", "B", 10.5)
    head = f"{n}. {item.melding_id} — {label('urgentie', item.urgentie)}"
    if item.sash:
        head += f", SASH {label('urgentie', item.sash)}"
    if item.casus_id:
        head += f"   (casus {item.casus_id})"
    pdf.set_fill_color(235, 235, 235)
    pdf.cell(0, 6, head, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)
    _labelled(pdf, "Waarom op de agenda", "; ".join(item.waarom_op_agenda) or "Actie-overleg volgens het advies")
    if item.op_zsm:
        pdf.set_text_color(*RED)
        _labelled(pdf, "Ligt ook op ZSM", ZSM_FLAG.split(":** ", 1)[1])
        pdf.set_text_color(0, 0, 0)
    if item.casus_id:
        _labelled(pdf, "Casus", " · ".join(item.casus_historie) or "eerste melding van deze casus")
    _labelled(pdf, "Feiten", "; ".join(item.feiten))
    if item.veiligheid:
        _labelled(pdf, "Veiligheidsplan", "; ".join(item.veiligheid))
    _labelled(pdf, "Uitnodigen", ", ".join(labels("partners", item.partners)))
    _labelled(pdf, "Fase", f"{label('fase', item.fase)} (helpende vragen: zie voorblad)")
    if item.afspraken_open:
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(0, 4.6, "Afspraken:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for a in item.afspraken_open:
            pdf.set_font("DejaVu", "B" if a.te_laat else "", 8.5)
            pdf.set_text_color(*(RED if a.te_laat else (120, 120, 120) if a.status == "ingetrokken" else (0, 0, 0)))
            box = {"gedaan": "☑", "ingetrokken": "☒"}.get(a.status, "☐")
            pdf.multi_cell(0, 4.4, f"   {box} {afspraak_text(a)}{reason_note(a)}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.cell(0, 5, "Aantekeningen en nieuwe afspraken (wie, wat, uiterlijk):", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(170, 170, 170)
    for _ in range(2):
        pdf.ln(6)
        pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(4)


def to_pdf(agenda: Agenda, questions: dict[str, list[str]] | None = None) -> bytes:
    """The agenda as an A4 PDF. `questions` are the helping questions per phase (agenda.guidance())."""
    from .agenda import guidance

    questions = questions or guidance()["fasen"]
    regio = label("regio", agenda.regio)
    when = f" — {dutch_date(agenda.datum)}" if agenda.datum else ""
    pdf = _Document(f"Actie-overleg {regio}, week {agenda.week}{when}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, f"Actie-overleg {regio}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, f"Week {agenda.week}{when}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        4.6,
        f"{len(agenda.items)} zaken, op volgorde van urgentie, SASH en ontvangst. Werkwijze: "
        + " → ".join(f"{i}. {s}" for i, s in enumerate(agenda.stappen, 1)),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    phases = sorted({i.fase for i in agenda.items}, key=list(questions).index) if agenda.items else []
    if phases:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, "Helpende vragen per fase", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for fase in phases:
            pdf.set_font("DejaVu", "B", 8.5)
            pdf.cell(0, 4.8, label("fase", fase), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font("DejaVu", "", 8.5)
            for q in questions[fase]:
                pdf.multi_cell(0, 4.2, f"  • {q}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for n, item in enumerate(agenda.items, 1):
        with pdf.offset_rendering() as dummy:  # a case never splits over two pages
            _case(dummy, n, item)
        if dummy.page_break_triggered:
            pdf.add_page()
        _case(pdf, n, item)
    if not agenda.items:
        pdf.set_font("DejaVu", "I", 10)
        pdf.cell(0, 8, "Geen zaken op de agenda voor deze week.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if agenda.open_afspraken_overig:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, "Afspraken van zaken die niet op deze agenda staan", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", "", 8.5)
        for a in agenda.open_afspraken_overig:
            pdf.set_text_color(*(RED if a.te_laat else (0, 0, 0)))
            pdf.multi_cell(0, 4.4, f"☐ {a.casus_id or a.melding_id} — {afspraak_text(a)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font("DejaVu", "I", 7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 3.8, f"Bron: {reader_source(agenda.bron)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
