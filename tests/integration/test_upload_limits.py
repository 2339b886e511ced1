"""Uploads cannot exhaust the server: hostile spreadsheets are refused, quickly and by name,
with nothing saved; files at each limit still import; oversized requests are refused unread.

The hostile files are the ones `make bench` times (bench/hostile_uploads.py), so the tests and
the figures are about the same files.
"""

from __future__ import annotations

import html
import io
import socket
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse

from bench.hostile_uploads import (
    COST_HEADER,
    Upload,
    cost_rows,
    hostile_uploads,
    row_xml,
    sheet_part,
    uploads_at_the_limits,
    workbook,
)
from coproduce.audit.models import AuditEvent
from coproduce.costs import transfer
from coproduce.costs.models import Activity, CostItem, TimeEntry
from tests.conftest import Team, client_for

ORGANISATION = "Northbridge University"  # the team's organisation, so good rows are good
HOSTILE = list(hostile_uploads(ORGANISATION))
AT_THE_LIMITS = list(uploads_at_the_limits(ORGANISATION))


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (CostItem, TimeEntry, Activity, AuditEvent)
    }


def import_upload(team: Team, upload: Upload) -> transfer.ImportResult:
    return transfer.import_file(
        by=team.alice,
        project=team.project,
        path_or_file=io.BytesIO(upload.content),
        filename=upload.filename,
    )


# --- Hostile files and files at the limits ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("upload", HOSTILE, ids=repr)
def test_a_hostile_file_is_refused_with_the_limit_named_and_nothing_saved(
    team: Team, upload: Upload
) -> None:
    assert upload.refusal is not None
    before = counts()

    with pytest.raises(transfer.ImportRejected) as rejected:
        import_upload(team, upload)

    assert len(rejected.value.problems) == 1
    assert upload.refusal in str(rejected.value)
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("upload", AT_THE_LIMITS, ids=repr)
def test_a_file_at_a_limit_still_imports(team: Team, upload: Upload) -> None:
    result = import_upload(team, upload)

    assert result.layout == "costs"
    assert CostItem.objects.filter(project=team.project).count() == result.rows > 0


@pytest.mark.django_db
def test_the_columns_limit_is_named_with_the_sheet(team: Team) -> None:
    wide = workbook(
        sheet_part(
            [row_xml(1, (*COST_HEADER, *[""] * 86, "extra"))]  # a header cell in column 101
        ),
        title="Costs",
    )

    with pytest.raises(transfer.ImportRejected) as rejected:
        import_upload(team, Upload("wide", "wide.xlsx", lambda: wide, None))

    assert str(rejected.value) == (
        "The spreadsheet has more than 100 columns in sheet 'Costs'; the limit is 100."
    )


@pytest.mark.django_db
def test_a_false_declared_dimension_is_ignored(team: Team) -> None:
    """openpyxl pads every row to the dimension a sheet declares; a file that claims the whole
    grid (16,384 columns by 1,048,576 rows) must not make it do so."""
    content = workbook(sheet_part(cost_rows(ORGANISATION, 3), dimension="A1:XFD1048576"))
    with transfer._table(io.BytesIO(content), "xlsx") as table:
        widths = [len(row) for row in table]

    result = import_upload(team, Upload("dimension", "dimension.xlsx", lambda: content, None))

    assert widths == [14, 12, 12, 12]  # each row as long as its last filled cell
    assert result.rows == 3


@pytest.mark.django_db
def test_a_workbook_made_by_openpyxl_still_imports(team: Team) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Costs"
    sheet.append(COST_HEADER)
    sheet.append(["planned", "travel", 2, "Fares", None, ORGANISATION, None, "project_budget"])
    for row in sheet.iter_rows(min_row=2):
        row[10].value, row[11].value = "GBP", 12.5
    out = io.BytesIO()
    book.save(out)

    result = import_upload(team, Upload("openpyxl", "costs.xlsx", out.getvalue, None))

    assert result.rows == 1


@pytest.mark.django_db
def test_a_hostile_upload_through_the_page_is_refused_by_name_and_saves_nothing(
    team: Team,
) -> None:
    upload = next(u for u in HOSTILE if u.filename == "strings.xlsx")
    before = counts()

    response = client_for(team.alice).post(
        reverse("costs:import", kwargs={"project_id": team.project.pk}),
        {"file": SimpleUploadedFile(upload.filename, upload.content)},
    )

    assert response.status_code == 200
    assert upload.refusal is not None
    assert upload.refusal in html.unescape(response.content.decode())
    assert counts() == before


# --- Request bodies over the limit ------------------------------------------------------------


def test_the_request_limit_leaves_room_for_every_file_limit() -> None:
    largest_file = max(settings.MAX_OUTPUT_BYTES, transfer.MAX_FILE_BYTES)

    assert largest_file < settings.COPRODUCE_MAX_REQUEST_BYTES
    assert settings.MIDDLEWARE[0] == "coproduce.core.middleware.RequestSizeLimitMiddleware"


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def __init__(self) -> None:
        self.read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_from = True
        raise AssertionError("the request body was read")


def wsgi_post(path: str, content_length: str) -> tuple[str, bytes, UnreadableBody]:
    """POST through the WSGI application, as a server would call it, with a CSRF cookie (as a
    browser that once opened the sign-in page has) and a body that must not be read."""
    body = UnreadableBody()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": content_length,
        "HTTP_COOKIE": f"csrftoken={'a' * 32}",
        "wsgi.input": body,
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    started: list[str] = []
    chunks = WSGIHandler()(environ, lambda status, headers: started.append(status))
    return started[0], b"".join(chunks), body


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:login", "costs:import"])
def test_an_anonymous_huge_post_is_refused_before_its_body_is_read(
    name: str, django_assert_num_queries: Any
) -> None:
    kwargs = {"project_id": 1} if name == "costs:import" else {}
    path = reverse(name, kwargs=kwargs)

    with django_assert_num_queries(0):  # nor does the refusal need the database
        status, page, body = wsgi_post(path, str(150 * 1024 * 1024))

    assert status.startswith("413")
    assert b"Too large to upload" in page
    assert b"150.0 MB" in page
    assert not body.read_from


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["lots", "-5", "1e9"])
def test_a_malformed_content_length_is_refused_unread(length: str) -> None:
    status, page, body = wsgi_post(reverse("accounts:login"), length)

    assert status.startswith("413")
    assert b"could not be read" in page
    assert not body.read_from


@pytest.mark.django_db
def test_a_signed_in_upload_over_the_limit_is_refused_and_saves_nothing(
    team: Team, settings: Any
) -> None:
    settings.COPRODUCE_MAX_REQUEST_BYTES = 4096
    client = client_for(team.alice)
    url = reverse("costs:import", kwargs={"project_id": team.project.pk})
    before = counts()

    refused = client.post(url, {"file": SimpleUploadedFile("costs.csv", b"x" * 5000)})
    small = client.post(url, {"file": SimpleUploadedFile("costs.csv", b"status\n")})

    assert refused.status_code == 413
    assert "Too large to upload" in refused.content.decode()
    assert small.status_code == 200  # read, and refused by the import for its content
    assert counts() == before


@pytest.mark.django_db
def test_the_413_page_is_in_the_site_style_and_links_home() -> None:
    _, page, _ = wsgi_post(reverse("accounts:login"), str(10**12))

    assert b'href="/static/css/coproduce.css"' in page
    assert f'href="{reverse("home")}"'.encode() in page
    assert b"; the limit for one upload is 51 MB" in page


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    """A real HTTP server, in a thread, serving the site for one request."""

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd: WSGIServer = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=Quiet)
    thread = threading.Thread(target=httpd.handle_request, daemon=True)
    thread.start()
    yield httpd.server_address[0], httpd.server_address[1]
    thread.join(timeout=5)
    httpd.server_close()


@pytest.mark.django_db(transaction=True)
def test_a_server_answers_a_huge_post_without_waiting_for_its_body(
    server: tuple[str, int],
) -> None:
    """Only the headers are sent. A server that tried to read the 150 MB body would wait for
    it, and this would time out instead of answering."""
    host, port = server
    path = reverse("accounts:login")
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: csrftoken={'a' * 32}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {150 * 1024 * 1024}\r\n\r\n".encode()
        )
        answer = connection.recv(65536)

    assert answer.startswith(b"HTTP/1.0 413") or answer.startswith(b"HTTP/1.1 413")


@pytest.mark.django_db
def test_the_test_client_sees_413_for_a_declared_size_over_the_limit() -> None:
    client = Client()

    response = client.post(
        reverse("accounts:login"),
        b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.COPRODUCE_MAX_REQUEST_BYTES + 1),
    )

    assert response.status_code == 413
