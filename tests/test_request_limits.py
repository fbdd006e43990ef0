"""Request-size limits, seen from a real gunicorn over a raw socket: refused before the body is read."""
import io
import select
import socket

import pytest

from kundweb.companies import services as companies
from tests.companies_helpers import company, pdf, submit
from tests.conftest import DEMO_PASSWORDS, csrf_token
from tests.records_helpers import wav_bytes
from tests.server_helpers import Session, gunicorn_server, status_of

MB = 1024 * 1024
BOUNDARY = b"kundweb-limit-test"


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    with gunicorn_server(tmp_path_factory.mktemp("gunicorn"), app.config["SQLALCHEMY_DATABASE_URI"]) as port:
        yield port


def _head(path, extra):
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY.decode()}\r\n{extra}\r\n").encode()


def _read_answer(sock, seconds=10):
    """What the server answered until it closed the connection or `seconds` passed."""
    sock.settimeout(seconds)
    answer = b""
    try:
        while len(answer) < 64 * 1024:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer and b"</html>" in answer.lower():
                break
    except (TimeoutError, ConnectionResetError):
        pass
    return answer


def test_a_huge_content_length_is_refused_without_the_body_being_sent(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(_head("/login", "Content-Length: 3000000000\r\n"))
        answer = _read_answer(sock)
    assert status_of(answer) == 413, answer[:300]
    assert "För stor".encode() in answer


def test_a_chunked_body_over_the_limit_is_refused_long_before_its_end(server):
    total, chunk = 64 * MB, b"x" * (64 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(_head("/login", "Transfer-Encoding: chunked\r\n"))
        first = (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n'
                 b"Content-Type: application/octet-stream\r\n\r\n")
        sock.sendall(b"%x\r\n%s\r\n" % (len(first), first))
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        else:
            last = b"\r\n--" + BOUNDARY + b"--\r\n"
            sock.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(last), last))
        answer = _read_answer(sock)
    assert status_of(answer) == 413, (sent, answer[:300])
    # The limit is 1 MB; what more was sent sat in the sockets' buffers, unread.
    assert sent < total // 4, sent


def test_the_upload_routes_still_take_their_larger_files(server):
    agent = Session(server)
    response, _ = agent.log_in(*DEMO_PASSWORDS["agent"])
    assert response.status == 302
    token = agent.csrf_token("/handlingar/ny")
    response, body = agent.post_multipart("/handlingar/ny", {"csrf_token": token, "action": "prefill"},
                                          {"attachment": ("samtal.wav", wav_bytes(seconds=200))})  # 3.2 MB
    # Read and recognised as a sound file (not an e-mail to prefill from): the size was fine.
    assert response.status == 400, body[:500]
    assert "Det här är en ljudfil".encode() in body

    admin = Session(server)
    response, _ = admin.log_in(*DEMO_PASSWORDS["admin"])
    assert response.status == 302
    token = admin.csrf_token("/servicemal/underlag")
    big_csv = b"datum;erbjudna;besvarade;inom\n" + b"2026-01-05;10;9;8\n" * (3 * MB // 18)
    response, body = admin.post_multipart("/servicemal/underlag/telefoni",
                                          {"csrf_token": token, "tel-kind": "telephony_day"},
                                          {"tel-file": ("telefoni.csv", big_csv)})
    assert response.status != 413, body[:500]
    assert "För stor".encode() not in body


def test_a_company_case_still_takes_an_attachment_over_the_global_limit(app, client, login_as, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        case_id = submit(company().id, uploads=[pdf()]).id
    login_as("admin")
    three_mb = b"%PDF-1.4 " + b"x" * (3 * MB)
    response = client.post(f"/admin/bolag/arenden/{case_id}/bilagor", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client, "/start/admin"),
                                 "attach-label": "other", "attach-files": [(io.BytesIO(three_mb), "yttrande.pdf")]})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert len(companies.get_case(case_id).attachments) == 2
