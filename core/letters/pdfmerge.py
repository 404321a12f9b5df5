"""Concatenate PDF files produced by fpdf2 (a letter and the pagoPA notice pages), without a
PDF library: fpdf2 writes a classic cross-reference table, one flat page tree and no object
streams, so the pages of the second file can be renumbered and hung under the first file's
page tree. Anything else (object streams, incremental updates, outlines or a structure tree in
an appended file) is refused with :class:`MergeError` rather than producing a broken file.

:func:`page_count` reads the number of pages of such a file.
"""

from __future__ import annotations

import re

_REF = re.compile(rb"(\d+) 0 R")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_PARENT = re.compile(rb"/Parent\s+\d+ 0 R")
_TRAILER_REF = {name: re.compile(rb"/" + name + rb"\s+(\d+) 0 R") for name in (b"Root", b"Info")}


class MergeError(ValueError):
    pass


class _Pdf:
    def __init__(self, data: bytes):
        if not data.startswith(b"%PDF-"):
            raise MergeError("not a PDF file")
        self.version = data[5:8]
        try:
            startxref = int(data[data.rindex(b"startxref") + 9:].split()[0])
        except (ValueError, IndexError):
            raise MergeError("no startxref") from None
        if data.count(b"startxref") != 1 or not data[startxref:].startswith(b"xref"):
            raise MergeError("unsupported cross-reference layout")
        lines = data[startxref:].split(b"\n", 2)
        first, count = (int(x) for x in lines[1].split())
        table = lines[2]
        offsets: dict[int, int] = {}
        for i in range(count):
            entry = table[i * 20:(i + 1) * 20]
            if entry[17:18] == b"n":
                offsets[first + i] = int(entry[:10])
        trailer = table[count * 20:]
        self.root = self._trailer_ref(trailer, b"Root")
        self.info = self._trailer_ref(trailer, b"Info", required=False)
        ordered = sorted(offsets.items(), key=lambda item: item[1])
        self.objects: dict[int, bytes] = {}
        for index, (number, start) in enumerate(ordered):
            end = ordered[index + 1][1] if index + 1 < len(ordered) else startxref
            chunk = data[start:end]
            header = b"%d 0 obj" % number
            if not chunk.startswith(header):
                raise MergeError(f"object {number} not where the table says")
            body = chunk[len(header):].rstrip()
            if not body.endswith(b"endobj"):
                raise MergeError(f"object {number} is not closed")
            self.objects[number] = body[:-len(b"endobj")].strip(b"\r\n")
        self.pages_root = self._ref_in(self.objects[self.root], b"Pages")

    @staticmethod
    def _trailer_ref(trailer: bytes, name: bytes, required: bool = True) -> int | None:
        match = _TRAILER_REF[name].search(trailer)
        if match is None:
            if required:
                raise MergeError(f"no /{name.decode()} in the trailer")
            return None
        return int(match[1])

    @staticmethod
    def _ref_in(body: bytes, name: bytes) -> int:
        match = re.search(rb"/" + name + rb"\s+(\d+) 0 R", _dict_part(body))
        if match is None:
            raise MergeError(f"no /{name.decode()}")
        return int(match[1])

    def kids(self) -> list[int]:
        match = _KIDS.search(_dict_part(self.objects[self.pages_root]))
        if match is None:
            raise MergeError("no /Kids in the page tree")
        return [int(m[1]) for m in _REF.finditer(match[1])]


def _dict_part(body: bytes) -> bytes:
    at = body.find(b"stream")
    return body if at < 0 else body[:at]


def _renumber(body: bytes, offset: int) -> bytes:
    at = body.find(b"stream")
    head, tail = (body, b"") if at < 0 else (body[:at], body[at:])
    return _REF.sub(lambda m: b"%d 0 R" % (int(m[1]) + offset), head) + tail


def page_count(data: bytes) -> int:
    pdf = _Pdf(data)
    match = _COUNT.search(_dict_part(pdf.objects[pdf.pages_root]))
    if match is None:
        raise MergeError("no /Count in the page tree")
    return int(match[1])


def _append(base: _Pdf, extra: _Pdf) -> None:
    catalog = _dict_part(extra.objects[extra.root])
    for unsupported in (b"/Outlines", b"/StructTreeRoot", b"/Names", b"/AcroForm"):
        if unsupported in catalog:
            raise MergeError(f"cannot append a file with {unsupported.decode()}")
    offset = max(base.objects)
    pages_root = base.pages_root
    media_box = re.search(rb"/MediaBox\s*\[[^\]]*\]", _dict_part(extra.objects[extra.pages_root]))
    skip = {extra.root, extra.pages_root} | ({extra.info} if extra.info else set())
    new_kids = []
    extra_kids = set(extra.kids())
    for number, body in extra.objects.items():
        if number in skip:
            continue
        body = _renumber(body, offset)
        if number in extra_kids:
            body = _PARENT.sub(b"/Parent %d 0 R" % pages_root, body, count=1)
            if media_box is not None and b"/MediaBox" not in _dict_part(body):
                body = body.replace(b"/Type /Page", b"/Type /Page\n" + media_box[0], 1)
        base.objects[number + offset] = body
    new_kids = [k + offset for k in extra.kids()]
    tree = base.objects[pages_root]
    kids = base.kids() + new_kids
    tree = _KIDS.sub(b"/Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"]", tree, count=1)
    tree = _COUNT.sub(b"/Count %d" % len(kids), tree, count=1)
    base.objects[pages_root] = tree
    base.version = max(base.version, extra.version)


def _write(pdf: _Pdf) -> bytes:
    numbers = sorted(pdf.objects)
    # renumber densely 1..n so the cross-reference table has no holes
    dense = {old: new for new, old in enumerate(numbers, start=1)}

    def fix(body: bytes) -> bytes:
        at = body.find(b"stream")
        head, tail = (body, b"") if at < 0 else (body[:at], body[at:])
        return _REF.sub(lambda m: b"%d 0 R" % dense[int(m[1])], head) + tail

    out = bytearray(b"%PDF-" + pdf.version + b"\n%\xe9\xeb\xf1\xbf\n")
    offsets = []
    for old in numbers:
        offsets.append(len(out))
        out += b"%d 0 obj\n" % dense[old] + fix(pdf.objects[old]) + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(numbers) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<<\n/Size %d\n/Root %d 0 R\n" % (len(numbers) + 1, dense[pdf.root])
    if pdf.info is not None:
        out += b"/Info %d 0 R\n" % dense[pdf.info]
    out += b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def concat(files: list[bytes]) -> bytes:
    """One PDF with the pages of ``files`` in order (the first file's catalog and metadata)."""
    if not files:
        raise MergeError("nothing to merge")
    if len(files) == 1:
        return files[0]
    base = _Pdf(files[0])
    for data in files[1:]:
        _append(base, _Pdf(data))
    return _write(base)
