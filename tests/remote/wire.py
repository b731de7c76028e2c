"""wire.py: libvirt's RPC protocol by hand, for tests that must say exactly
what goes on the wire: XDR packing (RFC 4506, as remote/xdr.c), frames (the
length word counting itself, the 24-byte header), a raw client (RawClient)
that calls hyperfsd procedure by procedure, and a hostile peer (HostilePeer):
a small server that speaks enough of the protocol for hyperfs's remote driver
to mount it, and answers with the names (and events) a test gives it."""
import os
import socket
import struct
import threading
import time

PROG = 0x20008086
KEEPALIVE = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1
VIR_ERR_NO_SUPPORT = 3
VIR_ERR_OPERATION_DENIED = 29


# ---- XDR

def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def i32(v):
    return struct.pack(">i", v)


def hyper(v):
    return struct.pack(">Q", v & 0xFFFFFFFFFFFFFFFF)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


def opt_string(s, present=1):
    return u32(0) if s is None else u32(present) + string(s)


def uuid_of(name):
    """A stable uuid for a test object."""
    import hashlib
    return hashlib.md5(name.encode() if isinstance(name, str) else name).digest()


def dom(name, id_=-1):
    return string(name) + uuid_of(name) + i32(id_)


def named(name):
    return string(name) + uuid_of(name)


def vol(pool, name):
    return string(pool) + string(name) + string(f"/{pool}/{name}")


class Unpacker:
    def __init__(self, data):
        self.b = data
        self.p = 0

    def u32(self):
        v = struct.unpack_from(">I", self.b, self.p)[0]
        self.p += 4
        return v

    def i32(self):
        v = struct.unpack_from(">i", self.b, self.p)[0]
        self.p += 4
        return v

    def hyper(self):
        v = struct.unpack_from(">Q", self.b, self.p)[0]
        self.p += 8
        return v

    def bytes_(self, n):
        v = self.b[self.p:self.p + n]
        self.p += n + (-n % 4)
        return v

    def string(self):
        return self.bytes_(self.u32()).decode(errors="replace")

    def opt_string(self):
        return self.string() if self.u32() else None

    def dom(self):
        name = self.string()
        uuid = self.b[self.p:self.p + 16]
        self.p += 16
        return name, uuid, self.i32()

    def named(self):
        name = self.string()
        self.p += 16
        return name


def error_body(code, message):
    return (i32(code) + i32(13) + opt_string(message) + i32(2) + u32(0) + u32(0) + u32(0)
            + u32(0) + i32(0) + i32(0) + u32(0))


def parse_error(body):
    u = Unpacker(body)
    return u.i32(), (u.i32(), u.opt_string())[1]


# ---- frames

def frame(prog=PROG, vers=1, proc=66, typ=CALL, serial=1, status=OK, body=b""):
    hdr = struct.pack(">IIiiIi", prog, vers, proc, typ, serial, status)
    return struct.pack(">I", 4 + len(hdr) + len(body)) + hdr + body


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def recv_frame(s):
    """((prog, vers, proc, type, serial, status), body)"""
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    data = recv_exact(s, n - 4)
    return struct.unpack(">IIiiIi", data[:24]), data[24:]


# ---- a raw client of hyperfsd

class RawClient:
    """One connection; call() sends a CALL and returns (status, body) of its
    REPLY; MESSAGE frames that arrive meanwhile are kept in .events."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(str(path))
        self.serial = 0
        self.events = []

    def send(self, proc, body=b""):
        self.serial += 1
        self.s.sendall(frame(proc=proc, serial=self.serial, body=body))
        return self.serial

    def reply(self, serial):
        while True:
            (prog, _, proc, typ, ser, status), body = recv_frame(self.s)
            if typ == REPLY and ser == serial:
                return status, body
            if typ == MESSAGE:
                self.events.append((proc, body))

    def call(self, proc, body=b""):
        return self.reply(self.send(proc, body))

    def open(self, uri="test:///default", flags=0):
        st, body = self.call(1, opt_string(uri) + u32(flags))
        assert st == OK, parse_error(body)

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


# ---- a hostile peer: serves the remote driver with the names it is given

def _model(text):
    b = text.encode()[:32].ljust(32, b"\0")
    return b"".join(i32(c if c < 128 else c - 256) for c in b)


class HostilePeer:
    """A libvirt-protocol server on a unix socket. domains, networks, pools:
    lists of names (str or bytes, sent as they are); volumes: {pool: [names]};
    define_name: the name the reply to a domain define carries. Every other
    procedure is answered with VIR_ERR_NO_SUPPORT."""

    def __init__(self, path, domains=(), networks=(), pools=(), volumes=None, define_name=None):
        self.path = str(path)
        self.domains = list(domains)
        self.networks = list(networks)
        self.pools = list(pools)
        self.volumes = dict(volumes or {})
        self.define_name = define_name
        self.sessions = []  # (socket, lock, {event_id: callback_id}) of registered clients
        self.calls = []
        self.lock = threading.Lock()
        self.lsock = socket.socket(socket.AF_UNIX)
        self.lsock.bind(self.path)
        self.lsock.listen(8)
        self.stopping = False
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def stop(self):
        self.stopping = True
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of its thread
        except OSError:
            pass
        self.lsock.close()
        with self.lock:
            for s, _, _ in self.sessions:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for t in self.threads:
            t.join(5)
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()

    def wait_registered(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(318 in cbs for _, _, cbs in self.sessions):
                    return True
            time.sleep(0.01)
        return False

    def send_lifecycle(self, name, event=3, detail=0):
        """A domain lifecycle event (default: suspended/paused) to every session."""
        with self.lock:
            targets = [(s, l, cbs[318]) for s, l, cbs in self.sessions if 318 in cbs]
        for s, l, cb in targets:
            with l:
                s.sendall(frame(proc=318, typ=MESSAGE, serial=0,
                                body=i32(cb) + dom(name, 1) + i32(event) + i32(detail)))

    def _accept(self):
        while not self.stopping:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(s,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, s):
        wlock = threading.Lock()
        cbs = {}
        with self.lock:
            self.sessions.append((s, wlock, cbs))
        try:
            while True:
                (prog, vers, proc, typ, serial, _), body = recv_frame(s)
                if prog == KEEPALIVE:
                    if proc == 1:
                        with wlock:
                            s.sendall(frame(prog=KEEPALIVE, proc=2, typ=MESSAGE, serial=0))
                    continue
                if typ != CALL:
                    continue
                self.calls.append(proc)
                status, out = self._answer(proc, body, cbs)
                with wlock:
                    s.sendall(frame(proc=proc, typ=REPLY, serial=serial, status=status,
                                    body=out))
        except (EOFError, OSError):
            pass
        finally:
            with self.lock:
                self.sessions = [x for x in self.sessions if x[0] is not s]
            s.close()

    def _answer(self, proc, body, cbs):
        u = Unpacker(body)
        events = {316: 318, 313: 315, 368: 370}
        if proc in events:
            cbs[events[proc]] = len(cbs) + 1
            return OK, i32(len(cbs))
        if proc == 66:
            return OK, u32(1) + i32(0)
        if proc in (60, 1, 2, 317, 314, 369):
            return OK, (i32(1) if proc == 60 else b"")
        if proc == 273:
            return OK, u32(len(self.domains)) + b"".join(dom(n, i + 1) for i, n in
                                                         enumerate(self.domains)) + u32(len(self.domains))
        if proc == 283:
            return OK, u32(len(self.networks)) + b"".join(map(named, self.networks)) \
                + u32(len(self.networks))
        if proc == 281:
            return OK, u32(len(self.pools)) + b"".join(map(named, self.pools)) \
                + u32(len(self.pools))
        if proc == 282:
            pool = u.named()
            vs = self.volumes.get(pool, [])
            return OK, u32(len(vs)) + b"".join(vol(pool, v) for v in vs) + u32(len(vs))
        lookups = {23: (self.domains, 42, "Domain"), 46: (self.networks, 43, "Network"),
                   84: (self.pools, 49, "Storage pool")}
        if proc in lookups:  # by name: the objects listed
            name = u.string()
            names, code, what = lookups[proc]
            if name not in [n.decode() if isinstance(n, bytes) else n for n in names]:
                return ERROR, error_body(code, f"{what} not found: no {what.lower()} "
                                         f"with matching name '{name}'")
            return OK, dom(name, 1) if proc == 23 else named(name)
        if proc == 11:
            return OK, dom(self.define_name or "defined", -1)
        answers = {
            16: lambda: i32(1) + hyper(1048576) + hyper(1048576) + i32(1) + hyper(0),
            212: lambda: i32(1) + i32(1), 151: lambda: i32(1), 15: lambda: i32(0),
            19: lambda: string("hvm"), 200: lambda: i32(1),
            152: lambda: i32(1), 153: lambda: i32(1), 44: lambda: i32(0),
            43: lambda: string("<network><name>x</name></network>"), 45: lambda: string("br0"),
            87: lambda: i32(2) + hyper(1 << 30) + hyper(0) + hyper(1 << 30),
            88: lambda: string("<pool type='dir'><name>x</name></pool>"),
            155: lambda: i32(1), 89: lambda: i32(0),
            98: lambda: i32(0) + hyper(1 << 20) + hyper(0), 100: lambda: string("/p/v"),
            99: lambda: string("<volume><name>v</name></volume>"),
            6: lambda: _model("x86_64") + hyper(1 << 20) + i32(1) * 6,
            59: lambda: string("hostile"), 102: lambda: hyper(1 << 30),
            7: lambda: string("<capabilities/>"),
        }
        if proc in answers:
            return OK, answers[proc]()
        return ERROR, error_body(VIR_ERR_NO_SUPPORT, f"this function is not supported by the "
                                 f"connection driver: procedure {proc}")
