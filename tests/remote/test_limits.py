"""test_limits.py: hyperfsd's limits, set through its config file: max_clients
(the next client is closed at once, and a slot frees when one leaves),
max_client_requests (a client that pipelines calls and does not read its replies
is not read further, loses nothing, and stalls nobody), the 32 MiB frame and
4 MiB string limits and a smaller max_message_size, and keepalive (a client that
asked for it and stops answering pings is dropped; one that answers stays)."""
import socket
import struct
import threading
import time

import pytest

from .hfd import Daemon, virsh
from .test_bad_peers import PROG, connect, dropped, error_code, frame, recv_frame

KEEPALIVE = 0x6b656570


def start(tmp_path, conf):
    f = tmp_path / "hyperfsd.conf"
    f.write_text(conf)
    d = Daemon(tmp_path / "d", extra=["--config", str(f)])
    d.dir.mkdir()
    return d.start()


@pytest.fixture
def limited(tmp_path, request):
    d = start(tmp_path, request.param)
    yield d
    alive = d.alive()
    assert d.stop() == 0, d.describe()
    assert alive, d.describe()


def xdr_string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def open_call(serial=1):
    """CONNECT_OPEN("test:///default", 0)."""
    return frame(proc=1, serial=serial, body=struct.pack(">I", 1) + xdr_string("test:///default")
                 + struct.pack(">I", 0))


def auth_ok(s, serial=77):
    s.sendall(frame(proc=66, serial=serial))
    (_, _, _, typ, ser, status), _ = recv_frame(s)
    return (typ, ser, status) == (1, serial, 0)


@pytest.mark.parametrize("limited", ["max_clients = 3\n"], indirect=True)
def test_max_clients(limited):
    socks = [connect(limited) for _ in range(3)]
    try:
        assert all(auth_ok(s) for s in socks)
        extra = connect(limited)
        assert dropped(extra), "a 4th client was served"
        extra.close()
        assert "refusing a client: 3 clients already" in limited.log.read_text()
        socks.pop().close()
        time.sleep(0.2)
        s = connect(limited)
        socks.append(s)
        assert auth_ok(s)
    finally:
        for s in socks:
            s.close()
    assert virsh(limited.uri, "domstate", "test").stdout.strip() == "running"


@pytest.mark.parametrize("limited", ["max_client_requests = 2\n"], indirect=True)
def test_max_requests_in_flight(limited):
    """2000 capabilities calls (a few KiB of reply each) sent at once and not
    read: hyperfsd stops reading that client after 2 unsent replies, others are
    served meanwhile, and when the client reads, every reply arrives, in order."""
    s = connect(limited)
    s.sendall(open_call())
    assert recv_frame(s)[0][5] == 0
    n = 2000
    calls = b"".join(frame(proc=7, serial=i) for i in range(2, n + 2))
    sender = threading.Thread(target=lambda: s.sendall(calls), daemon=True)
    s.settimeout(60)
    sender.start()
    deadline = time.monotonic() + 10
    while "requests in flight" not in limited.log.read_text():
        assert time.monotonic() < deadline, limited.describe()
        time.sleep(0.05)
    t0 = time.monotonic()
    assert virsh(limited.uri, "domstate", "test").stdout.strip() == "running"
    assert time.monotonic() - t0 < 5
    serials = []
    for _ in range(n):
        (_, _, proc, typ, serial, status), body = recv_frame(s)
        assert (proc, typ, status) == (7, 1, 0)
        assert b"<capabilities>" in body[:200]
        serials.append(serial)
    assert serials == list(range(2, n + 2))
    sender.join(5)
    s.close()


@pytest.mark.parametrize("limited", [""], indirect=True)
def test_string_and_frame_limits(limited):
    with connect(limited) as s:
        s.settimeout(30)
        s.sendall(open_call())
        assert recv_frame(s)[0][5] == 0
        # a 4 MiB + 1 string (DOMAIN_DEFINE_XML): refused, the connection stays
        s.sendall(frame(proc=11, serial=5, body=xdr_string(b"x" * ((4 << 20) + 1))))
        (_, _, _, _, serial, status), body = recv_frame(s)
        assert (serial, status) == (5, 1) and error_code(body) == 39  # VIR_ERR_RPC
        # a string of exactly 4 MiB decodes (and is then not a valid document)
        s.sendall(frame(proc=11, serial=6, body=xdr_string(b"<" * (4 << 20))))
        (_, _, _, _, serial, status), body = recv_frame(s)
        assert (serial, status) == (6, 1) and error_code(body) != 39
        # a frame of exactly 32 MiB is read whole (its padding makes it undecodable)
        hdr = 4 + 24
        s.sendall(frame(proc=66, serial=7, body=b"\0" * ((32 << 20) - hdr)))
        (_, _, _, _, serial, status), body = recv_frame(s)
        assert (serial, status) == (7, 1) and error_code(body) == 39
        assert auth_ok(s)
    with connect(limited) as s:  # one byte more: dropped before it is read
        s.sendall(struct.pack(">I", (32 << 20) + 1))
        assert dropped(s)
    assert virsh(limited.uri, "domstate", "test").stdout.strip() == "running"


@pytest.mark.parametrize("limited", ["max_message_size = 65536\n"], indirect=True)
def test_max_message_size(limited):
    with connect(limited) as s:
        s.sendall(frame(proc=66, serial=1, body=b"\0" * 60000))
        assert recv_frame(s)[0][4:6] == (1, 1)  # under the limit: answered (an error)
        s.sendall(struct.pack(">I", 65537))
        assert dropped(s)
    assert "bad frame length" in limited.log.read_text()
    # a reply larger than the limit is still sent: the limit is on what clients send
    assert "<capabilities>" in virsh(limited.uri, "capabilities").stdout


@pytest.mark.parametrize("limited", ["keepalive_interval = 1\nkeepalive_count = 2\n"],
                         indirect=True)
def test_keepalive_drops_a_silent_client(limited):
    silent, polite = connect(limited), connect(limited)
    for s in (silent, polite):
        s.sendall(frame(proc=60, serial=1, body=struct.pack(">i", 10)))  # keepalive feature
        assert recv_frame(s)[0][4:6] == (1, 0)
    stop = threading.Event()
    answered = []

    def answer_pings():  # the polite client answers every PING with a PONG
        polite.settimeout(0.2)
        while not stop.is_set():
            try:
                (prog, _, proc, _, _, _), _ = recv_frame(polite)
            except socket.timeout:
                continue
            if prog == KEEPALIVE and proc == 1:
                polite.sendall(frame(prog=KEEPALIVE, proc=2, typ=2, serial=0))
                answered.append(1)
    t = threading.Thread(target=answer_pings, daemon=True)
    t.start()
    pings = 0
    t0 = time.monotonic()
    silent.settimeout(10)
    try:
        while True:
            (prog, _, proc, typ, _, _), _ = recv_frame(silent)
            assert (prog, proc, typ) == (KEEPALIVE, 1, 2)  # PING, a MESSAGE
            pings += 1
    except (EOFError, ConnectionResetError):
        pass
    gone = time.monotonic() - t0
    assert pings >= 1 and 1.5 < gone < 8, (pings, gone)
    assert "no keepalive answer; dropping it" in limited.log.read_text()
    time.sleep(2)  # the polite one outlives the silent one's deadline
    stop.set()
    t.join(2)
    assert answered, "the polite client was never pinged"
    polite.settimeout(5)
    assert auth_ok(polite)
    silent.close()
    polite.close()


@pytest.mark.parametrize("limited", [""], indirect=True)
def test_client_that_stops_reading_big_replies(limited):
    """A client that floods calls with large replies (capabilities) and never
    reads: other clients are served promptly, and closing it frees everything."""
    s = connect(limited)
    s.sendall(open_call())
    assert recv_frame(s)[0][5] == 0
    s.setblocking(False)
    sent = 0
    data = b"".join(frame(proc=7, serial=i) for i in range(2, 20002))
    deadline = time.monotonic() + 3
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += s.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.01)
    assert sent < len(data), "hyperfsd read everything: nothing was held back"
    for _ in range(3):
        t0 = time.monotonic()
        assert virsh(limited.uri, "domstate", "test").stdout.strip() == "running"
        assert time.monotonic() - t0 < 5
    s.close()
    time.sleep(0.3)
    assert virsh(limited.uri, "list", "--name").stdout.split() == ["test"]
