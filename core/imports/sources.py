"""Streamed, resumable readers of the import files.

Every reader starts at a byte offset and reports, after each record, the offset where the next
one begins: the batch cursor stores it, so a resumed import seeks straight to the first record
of the chunk that was not committed. Nothing but the current record (and a 64 KiB buffer) is
held in memory.

* CSV (UTF-8, optional BOM; ``;``, ``,`` or tab as separator, read from the header line):
  records may span lines inside quotes; the line number is that of the record's first line.
* JSON Lines: one object per line; a broken line is that record's problem, not the file's.
* JSON array: ``[ {...}, {...} ]`` parsed element by element with
  :meth:`json.JSONDecoder.raw_decode` over a buffer; a syntax error ends the file (there is no
  safe place to start again), reported with its line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

BLOCK = 1 << 16
MAX_RECORD_BYTES = 1 << 22  # one record larger than 4 MiB is not a verbale
CONTAINERS = ("csv", "jsonl", "json")


class SourceError(ValueError):
    """The file as a whole cannot be read (wrong container, broken JSON array, no header).
    ``args[0]`` is a message id with ``%(name)s`` placeholders filled by ``params``."""

    def __init__(self, code: str, line: int | None = None, **params: Any):
        super().__init__(code)
        self.code = code
        self.line = line
        self.params = params


@dataclass
class Record:
    line: int  # line where the record starts (1 = first line of the file)
    data: dict[str, Any] | None  # None when the record itself is unreadable
    problem: str = ""  # code of the reading problem: "utf8", "json", "not_object"
    detail: str = ""


@dataclass
class Position:
    """Where the next record starts."""

    offset: int = 0
    line: int = 1
    state: str = "start"  # JSON arrays: "start" (before "[") or "next" (after an element)
    header: list[str] = field(default_factory=list)  # CSV: the column names

    def as_cursor(self) -> dict[str, Any]:
        return {"offset": self.offset, "line": self.line, "state": self.state}


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def detect_container(path: Path) -> str:
    """``csv``, ``jsonl`` or ``json`` from the extension, else from the first character."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv" or suffix == ".txt":
        return "csv"
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        return "jsonl"
    return "csv"


# -- lines with byte offsets ---------------------------------------------------------------


class _Lines:
    """Decoded lines of a binary file from ``offset``, counting bytes and lines consumed, so
    after :class:`csv.reader` returns a record the position is exactly its end (the reader
    pulls one line at a time and never reads ahead)."""

    def __init__(self, fh: BinaryIO, offset: int, line: int):
        fh.seek(offset)
        self.fh = fh
        self.offset = offset
        self.line = line  # number of the next line to be read
        self.bad: set[int] = set()  # lines that were not valid UTF-8

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline()
        if not raw:
            raise StopIteration
        if self.offset == 0 and raw.startswith(codecs.BOM_UTF8):
            text_raw = raw[len(codecs.BOM_UTF8):]
        else:
            text_raw = raw
        self.offset += len(raw)
        number = self.line
        self.line += 1
        try:
            return text_raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad.add(number)
            return text_raw.decode("utf-8", errors="replace")


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _normalise_header(cells: list[str]) -> list[str]:
    return [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in cells]


def read_csv_header(fh: BinaryIO) -> tuple[list[str], str, Position]:
    lines = _Lines(fh, 0, 1)
    first = ""
    for first in lines:
        if first.strip():
            break
    if not first.strip():
        raise SourceError("empty")
    delimiter = _sniff_delimiter(first)
    header = _normalise_header(next(csv.reader([first], delimiter=delimiter)))
    if lines.bad:
        raise SourceError("utf8", line=min(lines.bad))
    return header, delimiter, Position(offset=lines.offset, line=lines.line, state="next",
                                       header=header)


def csv_records(fh: BinaryIO, position: Position, delimiter: str) -> Iterator[tuple[Record,
                                                                                  Position]]:
    lines = _Lines(fh, position.offset, position.line)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
    header = position.header
    while True:
        start = lines.line
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield (Record(start, None, "csv", str(error)),
                   Position(lines.offset, lines.line, "next", header))
            continue
        after = Position(lines.offset, lines.line, "next", header)
        if not cells or all(not c.strip() for c in cells):
            continue
        if any(n in lines.bad for n in range(start, lines.line)):
            yield Record(start, None, "utf8"), after
            continue
        if len(cells) > len(header):
            extra = [c for c in cells[len(header):] if c.strip()]
            if extra:
                yield Record(start, None, "columns", f"{len(cells)}/{len(header)}"), after
                continue
        data = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)
                if name}
        yield Record(start, data), after


def jsonl_records(fh: BinaryIO, position: Position) -> Iterator[tuple[Record, Position]]:
    lines = _Lines(fh, position.offset, position.line)
    for text in lines:
        number = lines.line - 1
        after = Position(lines.offset, lines.line, "next")
        if not text.strip():
            continue
        if number in lines.bad:
            yield Record(number, None, "utf8"), after
            continue
        try:
            value = json.loads(text)
        except ValueError as error:
            yield Record(number, None, "json", str(error)), after
            continue
        if not isinstance(value, dict):
            yield Record(number, None, "not_object"), after
            continue
        yield Record(number, value), after


_WS = re.compile(r"[ \t\n\r]*")


class _JsonArray:
    def __init__(self, fh: BinaryIO, position: Position):
        fh.seek(position.offset)
        self.fh = fh
        self.decoder = json.JSONDecoder()
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.offset = position.offset  # byte offset of buf[pos]
        self.line = position.line  # line of buf[pos]
        self.state = position.state
        self.first = position.offset == 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.fh.read(BLOCK)
        self.buf = self.buf[self.pos:]
        self.pos = 0
        if not data:
            self.eof = True
            self.buf += self.utf8.decode(b"", final=True)
            return False
        if self.first:
            self.first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8):]
                self.offset += len(codecs.BOM_UTF8)
        try:
            self.buf += self.utf8.decode(data)
        except UnicodeDecodeError as error:
            raise SourceError("utf8", line=self.line) from error
        return True

    def _advance(self, end: int) -> None:
        text = self.buf[self.pos:end]
        self.offset += len(text.encode("utf-8"))
        self.line += text.count("\n")
        self.pos = end

    def _skip_ws(self) -> str:
        """The next non-blank character ("" at the end of the file)."""
        while True:
            self._advance(_WS.match(self.buf, self.pos).end())  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def records(self) -> Iterator[tuple[Record, Position]]:
        if self.state == "start":
            if self._skip_ws() != "[":
                raise SourceError("not_array", line=self.line)
            self._advance(self.pos + 1)
            self.state = "first"
        while True:
            char = self._skip_ws()
            if self.state == "next":
                if char == "]":
                    self._advance(self.pos + 1)
                    if self._skip_ws():
                        raise SourceError("trailing", line=self.line)
                    return
                if char != ",":
                    raise SourceError("json", line=self.line, detail=repr(char or "EOF"))
                self._advance(self.pos + 1)
                char = self._skip_ws()
            elif char == "]":  # an empty array
                self._advance(self.pos + 1)
                return
            if not char:
                raise SourceError("json", line=self.line, detail="EOF")
            start_line = self.line
            value = self._decode()
            self.state = "next"
            after = Position(self.offset, self.line, "next")
            if not isinstance(value, dict):
                yield Record(start_line, None, "not_object"), after
            else:
                yield Record(start_line, value), after

    def _decode(self) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if len(self.buf) - self.pos > MAX_RECORD_BYTES or not self._fill():
                    raise SourceError("json", line=self.line, detail=error.msg) from error
                continue
            if end == len(self.buf) and not self.eof and self.buf[self.pos] not in "{[\"":
                # a number could continue in the next block: read on before trusting it
                if self._fill():
                    continue
            self._advance(end)
            return value


def json_records(fh: BinaryIO, position: Position) -> Iterator[tuple[Record, Position]]:
    return _JsonArray(fh, position).records()


def records(fh: BinaryIO, container: str, position: Position,
            delimiter: str = ",") -> Iterator[tuple[Record, Position]]:
    if container == "csv":
        return csv_records(fh, position, delimiter)
    if container == "jsonl":
        return jsonl_records(fh, position)
    if container == "json":
        return json_records(fh, position)
    raise ValueError(f"unknown container {container!r}")


def start_position(fh: BinaryIO, container: str) -> tuple[Position, str]:
    """The position of the first record (and the CSV delimiter)."""
    if container == "csv":
        header, delimiter, position = read_csv_header(fh)
        return position, delimiter
    return Position(0, 1, "start" if container == "json" else "next"), ","


def count_records(path: Path, container: str) -> int:
    """How many records the file holds (one streamed pass; unreadable records count)."""
    with open(path, "rb") as fh:
        if container == "jsonl":
            count = 0
            for raw in fh:
                if raw.strip():
                    count += 1
            return count
        position, delimiter = start_position(fh, container)
        return sum(1 for _ in records(fh, container, position, delimiter))
