"""Generated demo files: an Ente's crest (PNG), the frames of an automatic device (JPEG) and the
device's documents (PDF: approval decree, calibration certificate, prefect's decree).

Files are written under the storage directory by a *storage key* (a relative POSIX path); the
caller records the key with its size, SHA-256 and content type. Output is deterministic for the
same inputs. PDFs use only fpdf2's core Helvetica font, so their text stays within cp1252.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from core.demo.enti import DemoEnte, Device

PDF_CREATED = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so the same document has one hash
DISCLAIMER = "DOCUMENTO DIMOSTRATIVO - dati fittizi generati per la demo, privo di valore legale"


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    content_type: str


class Storage:
    """Files under ``root`` addressed by relative storage keys."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        rel = PurePosixPath(key)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"bad storage key {key!r}")
        return self.root.joinpath(*rel.parts)

    def write(self, key: str, data: bytes, content_type: str) -> StoredFile:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest(), content_type)


_FONTS: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int):
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


@lru_cache(maxsize=8192)
def _glyph(ch: str, size: int) -> tuple[Image.Image, float]:
    """One character drawn once as a mask, with its advance width."""
    font = _font(size)
    ascent, descent = font.getmetrics()
    advance = font.getlength(ch)
    mask = Image.new("L", (max(1, int(advance) + 3), ascent + descent))
    ImageDraw.Draw(mask).text((0, 0), ch, font=font, fill=255)
    return mask, advance


def _text(img: Image.Image, xy: tuple[float, float], text: str, size: int,
          fill: tuple[int, int, int], anchor: str = "la") -> None:
    """Draw ``text`` from cached glyphs (FreeType renders each glyph once per process).

    ``anchor``: "la" top-left, "mm" centred, "ra" top-right (as in Pillow, without kerning).
    """
    glyphs = [_glyph(ch, size) for ch in text]
    width = sum(advance for _mask, advance in glyphs)
    ascent, descent = _font(size).getmetrics()
    x, y = xy
    if anchor == "mm":
        x, y = x - width / 2, y - (ascent + descent) / 2
    elif anchor == "ra":
        x = x - width
    for mask, advance in glyphs:
        img.paste(fill, (round(x), round(y)), mask)
        x += advance


# --- logo ---------------------------------------------------------------------------------


def logo_png(ente: DemoEnte, size: int = 256) -> bytes:
    """A simple municipal crest: a turreted crown over a parted shield with the initials."""
    primary, secondary = ente.colours
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    s = size / 256
    # crown (corona turrita of the comuni)
    gold = (200, 160, 40, 255)
    draw.rectangle([58 * s, 40 * s, 198 * s, 64 * s], fill=gold)
    for x in range(58, 198, 28):
        draw.rectangle([x * s, 22 * s, (x + 16) * s, 42 * s], fill=gold)
    for x in (74, 118, 162):
        draw.rectangle([x * s, 48 * s, (x + 8) * s, 58 * s], fill=(90, 70, 20, 255))
    # shield: left half primary, right half secondary, dark outline
    shield = [(48 * s, 70 * s), (208 * s, 70 * s), (208 * s, 160 * s), (128 * s, 240 * s),
              (48 * s, 160 * s)]
    draw.polygon(shield, fill=secondary + (255,))
    draw.polygon([(48 * s, 70 * s), (128 * s, 70 * s), (128 * s, 240 * s), (48 * s, 160 * s)],
                 fill=primary + (255,))
    draw.line(shield + [shield[0]], fill=(40, 40, 40, 255), width=max(2, int(5 * s)))
    draw.rectangle([48 * s, 108 * s, 208 * s, 152 * s], fill=(30, 50, 110, 255))
    font = _font(int(40 * s))
    box = draw.textbbox((0, 0), ente.initials, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    pos = (128 * s - w / 2, 130 * s - h / 2)
    draw.text((pos[0] + 2, pos[1] + 2), ente.initials, font=font, fill=(0, 0, 0, 160))
    draw.text(pos, ente.initials, font=font, fill=(255, 255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- camera frames ------------------------------------------------------------------------

EU_PLATE = {"IT": "I", "DE": "D", "AT": "A", "FR": "F", "ES": "E", "NL": "NL", "PL": "PL"}


@dataclass(frozen=True)
class Frame:
    plate: str  # as displayed on the vehicle
    country: str
    taken_at: datetime  # local time of the device
    place: str
    device: str
    frame_no: int
    frames: int
    kind: str  # speed, red_light, ztl, bus_lane
    colour: tuple[int, int, int]
    speed: int | None = None
    limit: int | None = None
    lane: int = 1


def _plate_box(img: Image.Image, draw: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float,
               text: str, country: str) -> None:
    yellow = country == "GB"
    draw.rectangle([x, y, x + w, y + h], fill=(245, 200, 30) if yellow else (250, 250, 250),
                   outline=(20, 20, 20), width=2)
    offset = 0.0
    band = EU_PLATE.get(country)
    if band:
        bw = w * 0.12
        draw.rectangle([x + 1, y + 1, x + bw, y + h - 1], fill=(20, 60, 160))
        _text(img, (x + bw / 2, y + h * 0.72), band, max(8, int(h * 0.35)), (255, 255, 255),
              "mm")
        offset = bw
    elif country == "CH":
        draw.rectangle([x + 3, y + h * 0.3, x + h * 0.4 + 3, y + h * 0.7], fill=(220, 20, 30))
        offset = h * 0.45
    _text(img, (x + offset + (w - offset) / 2, y + h / 2), text, max(10, int(h * 0.62)),
          (10, 10, 10), "mm")


def _car(img: Image.Image, draw: ImageDraw.ImageDraw, cx: float, base: float, scale: float,
         colour: tuple[int, int, int], plate: str, country: str) -> None:
    """A car seen from behind, centred on ``cx`` with its wheels on ``base``."""
    w, h = 300 * scale, 190 * scale
    left, top = cx - w / 2, base - h
    dark = tuple(max(0, c - 60) for c in colour)
    # wheels
    for wx in (left + 18 * scale, left + w - 62 * scale):
        draw.rounded_rectangle([wx, base - 40 * scale, wx + 44 * scale, base + 6 * scale],
                               radius=8 * scale, fill=(25, 25, 25))
    # body and cabin
    draw.rounded_rectangle([left, top + 70 * scale, left + w, base - 14 * scale],
                           radius=22 * scale, fill=colour, outline=dark, width=3)
    draw.polygon([(left + 40 * scale, top + 74 * scale), (left + 70 * scale, top + 8 * scale),
                  (left + w - 70 * scale, top + 8 * scale), (left + w - 40 * scale, top + 74 * scale)],
                 fill=dark)
    draw.polygon([(left + 56 * scale, top + 68 * scale), (left + 80 * scale, top + 18 * scale),
                  (left + w - 80 * scale, top + 18 * scale), (left + w - 56 * scale, top + 68 * scale)],
                 fill=(120, 150, 170))
    # lights
    for lx in (left + 12 * scale, left + w - 60 * scale):
        draw.rounded_rectangle([lx, top + 92 * scale, lx + 48 * scale, top + 116 * scale],
                               radius=5 * scale, fill=(200, 30, 30))
    # plate
    pw, ph = 150 * scale, 34 * scale
    _plate_box(img, draw, cx - pw / 2, top + 122 * scale, pw, ph, plate, country)


@lru_cache(maxsize=32)
def _background(kind: str, frame_no: int, width: int, height: int) -> Image.Image:
    """The static scene of a device (sky, buildings, road, signs), drawn once and copied."""
    img = Image.new("RGB", (width, height), (150, 180, 205))
    draw = ImageDraw.Draw(img)
    horizon = int(height * 0.36)
    # sky gradient and background buildings
    for y in range(horizon):
        shade = int(205 - 50 * y / horizon)
        draw.line([(0, y), (width, y)], fill=(shade - 40, shade - 15, shade))
    for i, bx in enumerate(range(0, width, 120)):
        bh = 60 + (i * 37) % 90
        draw.rectangle([bx, horizon - bh, bx + 100, horizon], fill=(170 - i % 3 * 20, 160, 150))
    # ground and road in perspective
    draw.rectangle([0, horizon, width, height], fill=(90, 120, 80))
    cx = width / 2
    draw.polygon([(cx - 60, horizon), (cx + 60, horizon), (width * 0.98, height),
                  (width * 0.02, height)], fill=(70, 70, 75))
    for i in range(8):
        t0, t1 = i / 8, (i + 0.5) / 8
        y0, y1 = horizon + (height - horizon) * t0 ** 1.5, horizon + (height - horizon) * t1 ** 1.5
        draw.polygon([(cx - 2 - 4 * t0, y0), (cx + 2 + 4 * t0, y0), (cx + 2 + 4 * t1, y1),
                      (cx - 2 - 4 * t1, y1)], fill=(235, 235, 235))
    if kind == "red_light":
        # stop line and traffic light
        sy = horizon + (height - horizon) * (0.55 if frame_no == 1 else 0.35)
        draw.line([(width * 0.15, sy), (width * 0.85, sy)], fill=(240, 240, 240), width=6)
        tx = width * 0.1
        draw.rectangle([tx, horizon - 150, tx + 36, horizon - 40], fill=(30, 30, 30))
        draw.ellipse([tx + 6, horizon - 144, tx + 30, horizon - 120], fill=(255, 30, 30))
        for dy in (-110, -76):
            draw.ellipse([tx + 6, horizon + dy, tx + 30, horizon + dy + 24], fill=(70, 70, 60))
        draw.rectangle([tx + 14, horizon - 40, tx + 22, horizon + 90], fill=(60, 60, 60))
    elif kind in ("ztl", "bus_lane"):
        label = "ZTL" if kind == "ztl" else "BUS"
        draw.rectangle([width * 0.08, horizon - 170, width * 0.24, horizon - 60],
                       fill=(250, 250, 250), outline=(200, 20, 20), width=6)
        draw.text((width * 0.16, horizon - 115), label, font=_font(34), fill=(20, 20, 20),
                  anchor="mm")
        draw.text((width * 0.16, horizon - 40), "VARCO ATTIVO", font=_font(16),
                  fill=(255, 60, 60), anchor="mm")
    return img


@lru_cache(maxsize=1024)  # a reload in the same process (tests, --reset) reuses the frames
def camera_frame_jpeg(frame: Frame, width: int = 960, height: int = 640) -> bytes:
    """A plausible frame of an automatic device: road, vehicle, plate, overlay data strip."""
    img = _background(frame.kind, frame.frame_no, width, height).copy()
    draw = ImageDraw.Draw(img)
    cx = width / 2
    # the vehicle: further away in the second frame
    scale = 1.0 if frame.frame_no == 1 else 0.72
    base = height * (0.80 if frame.frame_no == 1 else 0.62)
    _car(img, draw, cx + (frame.lane - 1) * 120, base, scale, frame.colour, frame.plate, frame.country)
    # plate inset (zoomed crop as a device would store)
    inset_w, inset_h = 230, 56
    draw.rectangle([width - inset_w - 22, 14, width - 14, 14 + inset_h + 30], fill=(0, 0, 0))
    _text(img, (width - inset_w - 14, 18), "OCR", 14, (255, 220, 0))
    _plate_box(img, draw, width - inset_w - 14, 38, inset_w - 8, inset_h - 4, frame.plate,
               frame.country)
    # overlay strip
    strip_top = height - 74
    draw.rectangle([0, strip_top, width, height], fill=(0, 0, 0))
    stamp = frame.taken_at.strftime("%d/%m/%Y %H:%M:%S") + f".{frame.frame_no * 37 % 100:02d}"
    line1 = f"{stamp}   {frame.place}"
    if frame.kind == "speed" and frame.speed is not None:
        line2 = (f"V. rilevata {frame.speed} km/h   Limite {frame.limit} km/h   "
                 f"Corsia {frame.lane}   Targa {frame.plate}")
    elif frame.kind == "red_light":
        line2 = f"Rosso da {1.2 + frame.frame_no * 0.8:.1f} s   Corsia {frame.lane}   Targa {frame.plate}"
    else:
        line2 = f"Transito non autorizzato   Corsia {frame.lane}   Targa {frame.plate}"
    _text(img, (12, strip_top + 8), line1, 18, (255, 255, 255))
    _text(img, (12, strip_top + 40), line2, 18, (255, 230, 0))
    _text(img, (width - 12, strip_top + 40),
          f"{frame.device}  Fot. {frame.frame_no}/{frame.frames}", 16, (200, 200, 200), "ra")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=78, optimize=False)
    return out.getvalue()


# --- device documents ---------------------------------------------------------------------


def _pdf(title: str, subtitle: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(PDF_CREATED)
    pdf.set_title(title)
    pdf.set_author("Multe Chiare demo")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(170, 0, 0)
    pdf.multi_cell(0, 5, DISCLAIMER, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    return pdf


def _paragraphs(pdf: FPDF, paragraphs: list[str]) -> bytes:
    pdf.set_font("Helvetica", "", 11)
    for text in paragraphs:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _it_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def approval_pdf(device: Device) -> bytes:
    pdf = _pdf("DECRETO DI APPROVAZIONE", "Ministero delle Infrastrutture e dei Trasporti - "
               "Direzione generale per la sicurezza stradale")
    return _paragraphs(pdf, [
        f"Estremi: {device.approval} del {_it_date(device.approval_date)}.",
        f"Dispositivo: {device.model}, per il rilevamento delle violazioni di cui agli articoli "
        f"{', '.join(device.violation_codes)} del Codice della Strada.",
        "VISTO l'art. 45, comma 6, del D.Lgs. 30 aprile 1992, n. 285 e l'art. 192 del relativo "
        "regolamento di esecuzione (D.P.R. 16 dicembre 1992, n. 495);",
        "VISTA la domanda del costruttore e l'esito favorevole delle prove tecniche eseguite "
        "presso il laboratorio incaricato;",
        f"DECRETA l'approvazione del dispositivo {device.model}, nelle configurazioni descritte "
        "nella documentazione tecnica allegata, per l'uso da parte degli organi di polizia "
        "stradale, anche in modalita' automatica senza la presenza dell'operatore.",
        "Ogni esemplare deve essere sottoposto a verifica di funzionalita' e taratura almeno "
        "annuale, secondo il D.M. 13 giugno 2017, n. 282.",
        f"Esemplare in uso: matricola {device.serial}, installato in {device.place}.",
    ])


def calibration_pdf(device: Device) -> bytes:
    pdf = _pdf("CERTIFICATO DI TARATURA E VERIFICA DI FUNZIONALITA'",
               device.calibration_lab)
    next_due = device.calibration_date.replace(year=device.calibration_date.year + 1)
    rows = [
        ("Certificato n.", device.calibration_certificate),
        ("Data di emissione", _it_date(device.calibration_date)),
        ("Strumento", device.model),
        ("Matricola", device.serial),
        ("Installazione", device.place),
        ("Esito", "CONFORME"),
        ("Prossima verifica entro", _it_date(next_due)),
    ]
    pdf.set_font("Helvetica", "", 11)
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(60, 8, label, border=1)
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    if device.kind == "speed":
        measures = [
            "Prove su strada con veicolo di riferimento a 30, 50, 70, 90 e 130 km/h: scarti entro "
            "la tolleranza di +/- 1 km/h fino a 100 km/h e +/- 1% oltre.",
            "Incertezza estesa di misura (k=2): 0,6 km/h.",
        ]
    elif device.kind == "red_light":
        measures = ["Sincronizzazione con la fase semaforica verificata su 200 cicli: "
                    "ritardo massimo 20 ms; durata del giallo 4,0 s conforme."]
    else:
        measures = ["Verifica di lettura targhe e di marcatura oraria su 500 transiti: "
                    "riconoscimento 99,4%, scarto orario massimo 0,2 s (riferimento UTC)."]
    return _paragraphs(pdf, measures + [
        "Il presente certificato si riferisce esclusivamente allo strumento sopra identificato "
        "e non puo' essere riprodotto parzialmente.",
    ])


def prefect_decree_pdf(device: Device, ente: DemoEnte) -> bytes:
    assert device.prefect_decree and device.prefect_decree_date
    pdf = _pdf("DECRETO PREFETTIZIO", "Individuazione delle strade sulle quali e' consentito "
               "l'accertamento automatico delle violazioni dei limiti di velocita'")
    return _paragraphs(pdf, [
        f"Estremi: {device.prefect_decree} del {_it_date(device.prefect_decree_date)}.",
        "VISTO l'art. 4 del D.L. 20 giugno 2002, n. 121, convertito con modificazioni dalla "
        "L. 1 agosto 2002, n. 168;",
        f"VISTA la richiesta del {ente.name} e il parere dell'organo di polizia stradale "
        "competente, che attestano l'elevata incidentalita' del tratto e l'impossibilita' di "
        "procedere alla contestazione immediata in condizioni di sicurezza;",
        f"DECRETA che sul tratto \"{device.place}\" e' consentito l'utilizzo di dispositivi "
        "di controllo remoto del traffico senza la presenza degli organi di polizia, "
        f"con limite di velocita' di {device.speed_limit} km/h.",
        "La presenza della postazione e' segnalata con adeguato anticipo mediante cartelli "
        "e dispositivi di segnalazione luminosi, ai sensi dell'art. 142, comma 6-bis, CdS.",
    ])
