"""Text goes out compressed (issue 14, 10: "text not compressed, 8–14 KiB per page"): pages,
CSS and JS as Brotli or gzip when the browser asks (static files, sent as a stream, as Brotli
or deflate), nothing changed for clients that don't."""

import gzip
import zlib

import brotli
import pytest

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "deflate": zlib.decompress}


@pytest.mark.parametrize(
    ("asked", "page", "static"), [("br", "br", "br"), ("gzip, deflate", "gzip", "deflate")]
)
def test_pages_css_and_js_are_compressed_when_asked(client, learner, asked, page, static):
    for path in ("/", "/modules/alpha", "/voortgang", "/static/css/app.css", "/static/js/quiz.js"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        packed = client.get(path, headers={"Accept-Encoding": asked})
        assert packed.status_code == 200
        encoding = static if path.startswith("/static/") else page
        assert packed.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"]
        body = DECODE[encoding](packed.data)
        assert len(packed.data) < len(plain.data) / 2, path
        if path.startswith("/static/"):
            assert body == plain.data, path
        else:  # pages differ only by their fresh CSRF token
            assert body.startswith(b"<!doctype html>") and body.rstrip().endswith(b"</html>"), path
            assert abs(len(body) - len(plain.data)) < 20, path


def test_nothing_changes_for_a_client_that_does_not_ask(client, learner):
    page = client.get("/modules/alpha", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in page.headers
    assert "Alfa: de testmethode" in page.text


def test_tiny_and_empty_replies_are_left_alone(client, learner):
    from tests.learner_helpers import answer_form, question_url, start

    attempt_id = start(client)
    saved = client.post(
        question_url(attempt_id, 1),
        data=answer_form(client.application, attempt_id, 1),
        headers={"X-Requested-With": "fetch", "Accept-Encoding": "gzip"},
    )
    assert saved.status_code == 204 and "Content-Encoding" not in saved.headers
    icon = client.get("/static/favicon.svg", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in icon.headers  # 230 bytes: not worth it
