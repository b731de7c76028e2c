"""test_bad_peers.py: hostile or broken clients on the wire: truncated frames,
oversize lengths, unknown programs and procedures, undecodable arguments,
forged serials and message types, a client that never reads. hyperfsd must
answer or drop each one without crashing, and other clients keep working."""
import socket
import struct
import time

from .hfd import virsh

PROG = 0x20008086


def frame(prog=PROG, vers=1, proc=66, typ=0, serial=1, status=0, body=b""):
    hdr = struct.pack(">IIiiIi", prog, vers, proc, typ, serial, status)
    return struct.pack(">I", 4 + len(hdr) + len(body)) + hdr + body


def connect(d):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(str(d.sock))
    return s


def recv_frame(s):
    def exact(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b
    (n,) = struct.unpack(">I", exact(4))
    data = exact(n - 4)
    return struct.unpack(">IIiiIi", data[:24]), data[24:]


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


def test_slow_reader_does_not_stall_others(daemon):
    with connect(daemon) as s:
        s.sendall(frame(proc=66) * 2000)  # never reads the replies
        time.sleep(0.5)
        still_works(daemon)
    still_works(daemon)


def test_many_clients(daemon):
    socks = [connect(daemon) for _ in range(50)]
    try:
        still_works(daemon)
    finally:
        for s in socks:
            s.close()
    still_works(daemon)
