"""Uploads are typed from their content, bounded in size and count, and stored safely."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from core import storage, uploads

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _file(name, data):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_kind_comes_from_the_content_not_the_name(portal_app):
    with portal_app.test_request_context():
        accepted = uploads.check_files([_file("scan.png", PDF), _file("photo", JPEG),
                                        _file("x.pdf", PNG)])
        assert [(u.kind, u.filename) for u in accepted] == [
            ("pdf", "scan.pdf"), ("jpeg", "photo.jpg"), ("png", "x.png")]


def test_executable_renamed_pdf_is_refused_with_its_name(portal_app):
    with portal_app.test_request_context():
        with pytest.raises(uploads.UploadError, match="evil.pdf"):
            uploads.check_files([_file("evil.pdf", b"MZ\x90\x00 this is not a pdf")])


def test_size_count_and_empty_limits(portal_app):
    with portal_app.test_request_context():
        portal_app.config.update(UPLOAD_MAX_BYTES=64, UPLOAD_MAX_FILES=2)
        try:
            with pytest.raises(uploads.UploadError):
                uploads.check_files([_file("big.pdf", PDF + b"x" * 100)])
            with pytest.raises(uploads.UploadError):
                uploads.check_files([_file("a.pdf", PDF)] * 3)
            with pytest.raises(uploads.UploadError):
                uploads.check_files([_file("a.pdf", PDF)], already=2)
            with pytest.raises(uploads.UploadError):
                uploads.check_files([_file("empty.pdf", b"")])
            assert uploads.check_files([_file("", b""), _file("a.pdf", PDF)])[0].kind == "pdf"
        finally:
            portal_app.config.pop("UPLOAD_MAX_BYTES")
            portal_app.config.pop("UPLOAD_MAX_FILES")


def test_only_the_allowed_kinds(portal_app):
    with portal_app.test_request_context():
        with pytest.raises(uploads.UploadError):
            uploads.check_files([_file("photo.jpg", JPEG)], allowed=("pdf",))


def test_store_sanitises_names_and_discard_removes(portal_app):
    with portal_app.test_request_context():
        [upload] = uploads.check_files([_file("../../etc/pässwd.pdf", PDF)])
        [(saved, stored)] = uploads.store("appeals/1", [upload])
        assert stored.key.startswith("appeals/1/") and ".." not in stored.key
        assert stored.key.endswith("-passwd.pdf")
        assert storage.read(stored.key) == PDF and stored.sha256 == saved.sha256
        uploads.discard([stored.key, "appeals/1/missing.pdf", "../outside"])
        assert not storage.path_for(stored.key).exists()
