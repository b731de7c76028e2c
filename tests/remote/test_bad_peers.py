"""test_bad_peers.py: hostile or broken clients on the wire: truncated frames,
oversize lengths, unknown programs and procedures, undecodable arguments,
forged serials and message types, booleans written little-endian, a client that
never reads replies bigger than the socket buffers, many clients at once.
hyperfsd must answer or drop each one without crashing, and other clients keep
working and get their own answers."""
import socket
import struct
import threading
import time

from .hfd import virsh
from .wire import (OK, PROG, RawClient, Unpacker, dom, frame, i32, opt_string, parse_error,
                   recv_frame, string, u32)


def connect(d):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(str(d.sock))
    return s


def error_code(body):
    return struct.unpack(">i", body[:4])[0]


def dropped(s):
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True


def still_works(d):
    assert virsh(d.uri, "domstate", "test").stdout.strip() == "running"


def test_auth_list_raw(daemon):
    with connect(daemon) as s:
        s.sendall(frame(proc=66, serial=9))
        (prog, vers, proc, typ, serial, status), body = recv_frame(s)
        assert (prog, proc, typ, serial, status) == (PROG, 66, 1, 9, 0)
        assert body == struct.pack(">II", 1, 0)


def test_unknown_procedure_and_program(daemon):
    with connect(daemon) as s:
        s.sendall(frame(proc=99999, serial=5))
        (_, _, _, typ, serial, status), body = recv_frame(s)
        assert (typ, serial, status) == (1, 5, 1)
        assert error_code(body) == 3  # VIR_ERR_NO_SUPPORT
        s.sendall(frame(prog=0x12345678, serial=6))
        (_, _, _, typ, serial, status), body = recv_frame(s)
        assert (serial, status) == (6, 1)
        # undecodable arguments: a 4 GiB string length
        s.sendall(frame(proc=1, serial=7, body=struct.pack(">II", 1, 0xFFFFFFF0)))
        (_, _, _, _, serial, status), body = recv_frame(s)
        assert (serial, status) == (7, 1)
        assert error_code(body) == 39  # VIR_ERR_RPC
        # before open, domain calls are refused, not crashed on
        s.sendall(frame(proc=212, serial=8))
        (_, _, _, _, serial, status), _ = recv_frame(s)
        assert (serial, status) == (8, 1)
    still_works(daemon)


def test_forged_serials_and_types(daemon):
    with connect(daemon) as s:
        # replies, messages and streams from a client are ignored
        for typ in (1, 2, 3, 6):
            s.sendall(frame(proc=66, typ=typ, serial=12345))
        s.sendall(frame(proc=66, serial=1))
        (_, _, _, _, serial, status), _ = recv_frame(s)
        assert (serial, status) == (1, 0)
        # duplicate serials are each answered
        s.sendall(frame(proc=66, serial=1) + frame(proc=66, serial=1))
        assert recv_frame(s)[0][4] == 1 and recv_frame(s)[0][4] == 1
    still_works(daemon)


def test_truncated_and_oversize(daemon):
    with connect(daemon) as s:  # half a frame, then gone
        s.sendall(frame()[:10])
    with connect(daemon) as s:  # a length below the header size: dropped
        s.sendall(struct.pack(">I", 8) + b"\0" * 8)
        assert dropped(s)
    with connect(daemon) as s:  # a length above 32 MiB: dropped before reading it
        s.sendall(struct.pack(">I", (32 << 20) + 1))
        assert dropped(s)
    with connect(daemon) as s:  # garbage
        s.sendall(bytes(range(256)) * 4)
    still_works(daemon)


def test_little_endian_bool_connects(daemon):
    """libvirt's decoder takes any nonzero word as true: a client that writes
    the URI's "present" flag as 01 00 00 00 opens its connection."""
    with RawClient(daemon.sock) as c:
        st, body = c.call(1, u32(0x01000000) + string("test:///default") + u32(0))
        assert st == OK, parse_error(body)
        st, body = c.call(23, string("test"))
        assert st == OK and Unpacker(body).dom()[0] == "test"


def wait_log(d, text, secs=10):
    deadline = time.monotonic() + secs
    while text not in d.log.read_text():
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{d.describe()}"
        time.sleep(0.02)


def test_slow_reader_does_not_stall_others(daemon):
    """Capabilities calls whose replies add up to twice what the kernel can
    buffer (the server's send buffer and this socket's receive buffer at their
    maximum), never read: hyperfsd holds that client back (its log says so)
    and serves the others; then every reply arrives, in order."""
    limit = sum(int(open(f"/proc/sys/net/core/{k}").read()) for k in ("wmem_max", "rmem_max"))
    with RawClient(daemon.sock, timeout=60) as c:
        c.open()
        st, body = c.call(7)
        one = len(body) + 28
        n = 2 * limit // one + 1
        calls = b"".join(frame(proc=7, serial=i) for i in range(100, 100 + n))
        # hyperfsd stops reading this client, so the sending blocks: a thread does it
        sender = threading.Thread(target=lambda: c.s.sendall(calls), daemon=True)
        sender.start()
        wait_log(daemon, "requests in flight and its replies are not read")
        still_works(daemon)
        assert daemon.alive()
        for i in range(100, 100 + n):
            (_, _, proc, typ, serial, status), body = recv_frame(c.s)
            assert (proc, typ, serial, status) == (7, 1, i, OK)
            assert len(body) + 28 == one
        sender.join(10)
        assert not sender.is_alive()
    assert n * one > limit
    still_works(daemon)


def test_many_clients(daemon):
    """50 clients at once, half of them read-only: each gets its own answers
    (its serials, its lookups), and each its own read-only flag: the writes
    of the read-only half are refused, the others' go through."""
    names = ["test"] * 50
    clients = [RawClient(daemon.sock) for _ in range(50)]
    try:
        for i, c in enumerate(clients):
            c.open(flags=1 if i % 2 else 0)  # VIR_CONNECT_RO
        for i, c in enumerate(clients):  # all in flight together
            c.pending = [c.send(23, string(names[i])), c.send(110),
                         c.send(29, dom("test", 1) + i32(i % 3 == 0))]
        for i, c in enumerate(clients):
            st, body = c.reply(c.pending[0])
            assert st == OK and Unpacker(body).dom()[:1] == ("test",), i
            st, body = c.reply(c.pending[1])
            assert st == OK and Unpacker(body).string() == "test:///default", i
            st, body = c.reply(c.pending[2])
            if i % 2:
                assert st == 1, i
                assert parse_error(body) == (29, "operation forbidden: read only access "
                                                 "prevents virDomainSetAutostart"), i
            else:
                assert st == OK, (i, parse_error(body))
    finally:
        for c in clients:
            c.close()
    still_works(daemon)


def test_migration_cookie_garbage_is_refused(daemon):
    """A migration cookie (Prepare3Params, 303) that holds a NUL or is longer
    than 64 KiB is refused with VIR_ERR_INVALID_ARG before any driver sees
    it; the daemon goes on."""
    with RawClient(daemon.sock) as c:
        c.open()
        for cookie in (b"hyperfs-migration 1\n\0nbd 1\n", b"x" * (70 << 10)):
            body = u32(0) + u32(len(cookie)) + cookie + b"\0" * (-len(cookie) % 4) + u32(0)
            st, reply = c.call(303, body)
            assert st != OK
            code, message = parse_error(reply)
            assert code == 8 and "migration cookie" in message, (code, message)  # INVALID_ARG
    still_works(daemon)
