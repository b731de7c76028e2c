"""test_clients.py: one connection per hyperfsd client. Each client has its own
read-only flag, its own event registrations and its own identity (the peer's
uid and pid on a unix socket, the certificate's DN over TLS, the ssh client's
address for --stdio), and that identity is in the log line of every write,
whether it went through, failed or was refused."""
import os
import shutil
import subprocess
import time

import pytest

from .hfd import Daemon, free_port, hyperfsd_binary, make_pki, virsh
from .wire import OK, RawClient, dom, frame, i32, opt_string, parse_error, recv_frame, \
    string, u32


def wait_log(d, text, secs=10):
    deadline = time.monotonic() + secs
    while True:
        log = d.log.read_text()
        if text in log:
            return log
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{d.describe()}"
        time.sleep(0.02)


def virsh_pid(uri, *args):
    """Runs virsh; returns its pid (the peer hyperfsd sees) and the result."""
    p = subprocess.Popen(["virsh", "-q", "-c", uri, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=20)
    return p.pid, p.returncode, out + err


def test_write_lines_name_the_unix_peer(daemon):
    me = f"uid={os.getuid()} gid={os.getgid()}"
    pid, rc, out = virsh_pid(daemon.uri, "suspend", "test")
    assert rc == 0, out
    wait_log(daemon, f"[unix {me} pid={pid}]: virDomainSuspend domain 'test': done")
    pid, rc, out = virsh_pid(daemon.uri, "suspend", "test")  # already paused: failed
    assert rc != 0
    wait_log(daemon, f"[unix {me} pid={pid}]: virDomainSuspend domain 'test': failed: ")
    pid, rc, out = virsh_pid(daemon.uri_ro, "resume", "test")
    assert rc != 0 and "read only access" in out
    wait_log(daemon, f"[unix-ro {me} pid={pid}]: virDomainResume domain 'test': refused: "
                     "read only access prevents virDomainResume")
    # reads are not logged
    pid, rc, out = virsh_pid(daemon.uri, "domstate", "test")
    assert rc == 0
    assert f"pid={pid}]: vir" not in daemon.log.read_text()


def test_names_in_write_lines_cannot_forge_lines(daemon):
    with RawClient(daemon.sock) as c:
        c.open()
        st, _ = c.call(34, dom("x\n2026-01-01T00:00:00 hyperfsd[1]: forged", 1))
        assert st != OK
    log = wait_log(daemon, "virDomainSuspend domain 'x\\x0a2026")
    assert not [l for l in log.splitlines() if l.startswith("2026-01-01T00:00:00")], log


def test_each_client_its_own_read_only_flag(daemon):
    """Two clients of one node on the read-write socket, one opened with
    VIR_CONNECT_RO: its write is refused, the other's is not, and both see
    the node the other changed."""
    with RawClient(daemon.sock) as ro, RawClient(daemon.sock) as rw:
        ro.open(flags=1)
        rw.open()
        st, body = ro.call(34, dom("test", 1))
        assert st != OK and "read only access" in parse_error(body)[1]
        st, body = rw.call(34, dom("test", 1))
        assert st == OK, parse_error(body)
        st, body = ro.call(212, dom("test", 1) + u32(0))
        assert st == OK and body[:4] == i32(3)  # paused, as rw left it


def test_each_client_its_own_events(daemon):
    """A registered client gets the event; one that did not register gets
    nothing, even though both use the same node."""
    with RawClient(daemon.sock) as a, RawClient(daemon.sock) as b:
        a.open()
        b.open()
        st, body = a.call(316, i32(0) + u32(0))  # lifecycle, every domain
        assert st == OK
        virsh(daemon.uri, "suspend", "test")
        a.s.settimeout(10)
        (_, _, proc, typ, _, _), body = recv_frame(a.s)
        assert (proc, typ) == (318, 2), "no lifecycle event for the registered client"
        # the event went to every registered client at once; b's next reply
        # comes after anything that was queued for it
        st, _ = b.call(110)
        assert st == OK
        assert b.events == [], "a client that registered nothing got events"


@pytest.mark.skipif(not shutil.which("certtool"), reason="certtool (gnutls-bin) missing")
def test_write_lines_name_the_tls_dn(tmp_path):
    pki = make_pki(tmp_path / "pki")
    port = free_port()
    d = Daemon(tmp_path / "d", extra=["--listen", f"tls:127.0.0.1:{port}",
                                      "--pki", str(pki["server"])])
    d.dir.mkdir()
    d.start()
    try:
        virsh(f"test+tls://127.0.0.1:{port}/default?pkipath={pki['client']}", "suspend", "test")
        log = wait_log(d, "virDomainSuspend domain 'test': done")
        line = [l for l in log.splitlines() if "virDomainSuspend" in l][0]
        assert "[tls 127.0.0.1:" in line and "CN=client" in line and "O=hyperfs" in line, line
    finally:
        assert d.stop() == 0, d.describe()


def test_stdio_client_is_the_ssh_user(tmp_path):
    """hyperfsd --stdio under sshd: the write line names the login user and
    the ssh client's address (SSH_CONNECTION)."""
    env = dict(os.environ, SSH_CONNECTION="192.0.2.7 40123 192.0.2.1 22")
    p = subprocess.Popen([str(hyperfsd_binary()), "--stdio"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        def call(proc, serial, body=b""):
            p.stdin.write(frame(proc=proc, serial=serial, body=body))
            p.stdin.flush()
            n = int.from_bytes(p.stdout.read(4), "big")
            return p.stdout.read(n - 4)
        call(1, 1, opt_string("test:///default") + u32(0))
        call(34, 2, dom("test", 1))
        p.stdin.close()
        err = p.stderr.read().decode()
        assert p.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert f"[stdio uid={os.getuid()} ssh=192.0.2.7:40123]: virDomainSuspend domain 'test': " \
           "done" in err, err
