"""Read the text back from an fpdf2 PDF (TrueType subsets with 2-byte glyph codes, each font
mapped by its own ToUnicode CMap), so tests can check what a document says without a PDF
library."""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>")
_FONTREF = re.compile(rb"/(F\d+)\s+(\d+) 0 R")
_TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    objects = {}
    for num, body in _OBJ.findall(pdf):
        match = _STREAM.search(body)
        data = None
        if match:
            try:
                data = zlib.decompress(match.group(1))
            except zlib.error:
                data = match.group(1)
        objects[int(num)] = (body, data)
    return objects


def _literal(content: bytes, start: int) -> tuple[bytes, int]:
    buf, j, depth = bytearray(), start + 1, 1
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while j < len(content):
        c = content[j]
        if c == 0x5C:
            nxt = content[j + 1]
            octal = re.match(rb"[0-7]{1,3}", content[j + 1:j + 4])
            if octal:
                buf.append(int(octal.group(), 8))
                j += 1 + len(octal.group())
                continue
            buf.append(escapes.get(nxt, nxt))
            j += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(buf), j + 1
        buf.append(c)
        j += 1
    return bytes(buf), j


def pdf_text(pdf: bytes) -> str:
    """All text of the document in page order, whitespace collapsed."""
    objects = _objects(pdf)
    cmaps: dict[bytes, dict[int, str]] = {}
    for body, _data in objects.values():
        for name, ref in _FONTREF.findall(body):
            font_body = objects.get(int(ref), (b"", None))[0]
            uni = re.search(rb"/ToUnicode (\d+) 0 R", font_body)
            if uni:
                stream = objects[int(uni.group(1))][1] or b""
                cmaps[name] = {int(code, 16): bytes.fromhex(u.decode()).decode("utf-16-be")
                               for code, u in _BFCHAR.findall(stream)}
    pieces = []
    for _num, (_body, data) in sorted(objects.items()):
        if not data or b" Tj" not in data:
            continue
        font, i = None, 0
        while True:
            match = _TOKEN.search(data, i)
            if not match:
                break
            if match.group(1):
                font, i = match.group(1), match.end()
                continue
            literal, i = _literal(data, match.start())
            cmap = cmaps.get(font, {})
            pieces.append("".join(cmap.get(int.from_bytes(literal[k:k + 2], "big"), "")
                                  for k in range(0, len(literal) - 1, 2)))
    return " ".join(" ".join(pieces).split())
