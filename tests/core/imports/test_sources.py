"""The streamed readers: starting again from any committed position gives exactly the records
that follow (byte offsets stay right with a BOM, accented text and quoted line breaks), and line
numbers point at the record's first line."""

from __future__ import annotations

import json

import pytest

from core.imports import sources
from core.imports.sources import Position, SourceError


def _all(path, container):
    with open(path, "rb") as fh:
        position, delimiter = sources.start_position(fh, container)
        return [(r.line, r.data, r.problem, after)
                for r, after in sources.records(fh, container, position, delimiter)]


def _resumed_everywhere(path, container):
    """Read one record, 'commit' its position, reopen the file and go on from there."""
    out = []
    with open(path, "rb") as fh:
        position, delimiter = sources.start_position(fh, container)
    while True:
        with open(path, "rb") as fh:
            start, delimiter = sources.start_position(fh, container)
            if out:
                position = Position(position.offset, position.line, position.state, start.header)
            found = next(iter(sources.records(fh, container, position, delimiter)), None)
        if found is None:
            return out
        record, position = found
        out.append((record.line, record.data, record.problem))


def test_csv_with_bom_quoted_newlines_and_accents(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufeffnumber;place;plate\n1;\"Via Garibaldi,\nangolo Corso Italia\";AB1\n"
                     "\n2;Piazza Sant'Agata — Città;CD2\n3;x;y;extra\n".encode())
    straight = _all(path, "csv")
    assert [(line, data, problem) for line, data, problem, _ in straight] == [
        (2, {"number": "1", "place": "Via Garibaldi,\nangolo Corso Italia", "plate": "AB1"}, ""),
        (5, {"number": "2", "place": "Piazza Sant'Agata — Città", "plate": "CD2"}, ""),
        (6, None, "columns"),
    ]
    assert _resumed_everywhere(path, "csv") == [(a, b, c) for a, b, c, _ in straight]
    assert sources.count_records(path, "csv") == 3


def test_json_array_resumes_between_elements(tmp_path):
    records = [{"number": f"N{i}", "place": "Città ünïcödé " * (i + 1)} for i in range(5)]
    path = tmp_path / "a.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(records, indent=2, ensure_ascii=False).encode())
    straight = _all(path, "json")
    assert [data for _line, data, _p, _a in straight] == records
    assert straight[0][0] == 2 and straight[1][0] == 6  # each element starts on its "{" line
    assert _resumed_everywhere(path, "json") == [(a, b, c) for a, b, c, _ in straight]


def test_json_array_larger_than_the_read_buffer(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "BLOCK", 7)
    records = [{"n": i, "text": "x" * 50} for i in range(20)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    assert [data for _l, data, _p, _a in _all(path, "json")] == records


def test_broken_json_array_is_a_file_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"a": 1},\n {"b": }]', encoding="utf-8")
    with pytest.raises(SourceError) as error:
        _all(path, "json")
    assert error.value.code == "json" and error.value.line == 2
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(SourceError) as error:
        _all(path, "json")
    assert error.value.code == "not_array"


def test_json_lines_report_bad_lines_and_go_on(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n\n[1]\n{oops\n\xff\xfe\n{"b": 2}\n')
    got = [(line, data, problem) for line, data, problem, _ in _all(path, "jsonl")]
    assert got == [(1, {"a": 1}, ""), (3, None, "not_object"), (4, None, "json"), (5, None, "utf8"),
                   (6, {"b": 2}, "")]
    assert _resumed_everywhere(path, "jsonl") == got
    assert sources.count_records(path, "jsonl") == 5


def test_the_container_is_recognised(tmp_path):
    for name, content, expected in (("a.csv", "x", "csv"), ("a.jsonl", "{}", "jsonl"),
                                    ("a.dat", " [ ]", "json"), ("a.dat", "{}\n", "jsonl"),
                                    ("b.dat", "a;b", "csv")):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert sources.detect_container(path) == expected
