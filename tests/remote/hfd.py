"""hfd.py: helpers for the remote suite: start build/hyperfsd on loopback
and run virsh. Each daemon gets a private folder with its sockets, a TCP port, a
pidfile and its log; it must exit 0 on SIGTERM and its log is shown when a test
fails."""
import os
import signal
import subprocess
import time
from pathlib import Path

from helpers import peers
from helpers.mount import is_mounted
from helpers.peers import _cert, free_port, virsh  # noqa: F401 (the suite imports them from here)

ROOT = Path(__file__).resolve().parents[2]


def _binary():
    return str(peers.hyperfsd_binary())


class Daemon:
    def __init__(self, folder, extra=(), prefix=()):
        self.extra = list(extra)
        self.prefix = list(prefix)  # e.g. nsenter --net=...: the daemon runs in that namespace
        self.dir = Path(folder)
        self.sock = self.dir / "sock"
        self.sock_ro = self.dir / "sock-ro"
        self.port = free_port()
        self.log = self.dir / "hyperfsd.log"
        self.pidfile = self.dir / "hyperfsd.pid"
        self.proc = None

    @property
    def uri(self):
        return f"test+unix:///default?socket={self.sock}"

    @property
    def uri_ro(self):
        return f"test+unix:///default?socket={self.sock_ro}"

    def uri_with(self, query, ro=False):
        """test:///default?QUERY on this daemon (one node per URI: beside the plain
        one), e.g. extras=secrets for hyperfs's additions (docs/test-driver.md)."""
        return f"{self.uri_ro if ro else self.uri}&{query}"

    @property
    def uri_tcp(self):
        return f"test+tcp://127.0.0.1:{self.port}/default"

    def start(self):
        cmd = [*self.prefix, _binary(), "-f", "--listen", f"unix:{self.sock}",
               "--listen", f"unix-ro:{self.sock_ro}",
               "--listen", f"tcp:127.0.0.1:{self.port}", "--pidfile", str(self.pidfile),
               *self.extra]
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not (self.pidfile.exists() and self.sock.exists()):
            if self.proc.poll() is not None:
                raise AssertionError(f"hyperfsd exited {self.proc.returncode}:\n{self.describe()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"hyperfsd did not start:\n{self.describe()}")
            time.sleep(0.02)
        return self

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"hyperfsd ignored SIGTERM:\n{self.describe()}")
        return self.proc.returncode

    def describe(self, tail=40):
        try:
            lines = self.log.read_text().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-tail:])


def hyperfsd_binary():
    return _binary()




def hyperfs_binary():
    if os.environ.get("HYPERFS"):
        return os.environ["HYPERFS"]
    return str(ROOT / "build" / "hyperfs")


def mount_fails(uri, folder, timeout=15):
    """Runs hyperfs -f on uri, which must fail to mount: returns its output.
    A mount that comes up anyway, or a hyperfs that neither mounts nor exits
    within timeout, fails the test at once, and nothing is left behind: the
    mount is unmounted and the daemon ended (by its PID) first."""
    mnt = Path(folder) / "mnt-refused"
    mnt.mkdir(exist_ok=True)
    logp = Path(folder) / "mnt-refused.log"
    with open(logp, "wb") as log:
        p = subprocess.Popen([hyperfs_binary(), "-f", "-c", f"n={uri}", str(mnt)],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    # the mount table, not a stat: a stat of a mount whose daemon hangs would hang too
    while p.poll() is None and not is_mounted(mnt) and time.monotonic() < deadline:
        time.sleep(0.02)
    mounted = is_mounted(mnt)
    if p.poll() is None or mounted:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if is_mounted(mnt):
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        what = "mounted" if mounted else f"neither mounted nor failed within {timeout}s on"
        raise AssertionError(f"hyperfs {what} {uri}, which must be refused:\n"
                             f"{logp.read_text(errors='replace')}")
    out = logp.read_text(errors="replace")
    if p.returncode == 0:
        raise AssertionError(f"hyperfs exited 0 on {uri}, which must be refused:\n{out}")
    return out


CA_TMPL = "cn = {cn}\nca\ncert_signing_key\nexpiration_days = 30\n"
SERVER_TMPL = ("organization = hyperfs\ncn = 127.0.0.1\nip_address = 127.0.0.1\n"
               "dns_name = localhost\ntls_www_server\nencryption_key\nsigning_key\n"
               "expiration_days = 30\n")
CLIENT_TMPL = ("organization = hyperfs\ncn = {cn}\ntls_www_client\nencryption_key\n"
               "signing_key\n{dates}\n")
VALID = "expiration_days = 30"
EXPIRED = 'activation_date = "2020-01-01 00:00:00"\nexpiration_date = "2020-02-01 00:00:00"'


def make_pki(folder):
    """Certificates made by certtool: folder/server (hyperfsd --pki, libvirt's
    layout) and client pkipath folders: client (valid), expired, nocert (CA
    only), wrongca (a client of another CA, trusting only that CA)."""
    import shutil
    f = Path(folder)
    f.mkdir(parents=True, exist_ok=True)
    _cert(f, "ca", CA_TMPL.format(cn="hyperfs test CA"))
    _cert(f, "ca2", CA_TMPL.format(cn="another CA"))
    _cert(f, "server", SERVER_TMPL, ca="ca")
    _cert(f, "client", CLIENT_TMPL.format(cn="client", dates=VALID), ca="ca")
    _cert(f, "expired", CLIENT_TMPL.format(cn="expired", dates=EXPIRED), ca="ca")
    _cert(f, "client2", CLIENT_TMPL.format(cn="client2", dates=VALID), ca="ca2")
    srv = f / "server-pki"
    (srv / "CA").mkdir(parents=True)
    (srv / "libvirt/private").mkdir(parents=True)
    shutil.copy(f / "ca.pem", srv / "CA/cacert.pem")
    shutil.copy(f / "server.pem", srv / "libvirt/servercert.pem")
    shutil.copy(f / "server.key", srv / "libvirt/private/serverkey.pem")
    out = {"server": srv}
    for name, ca, cert in (("client", "ca", "client"), ("expired", "ca", "expired"),
                           ("nocert", "ca", None), ("wrongca", "ca2", "client2")):
        d = f / name
        d.mkdir()
        shutil.copy(f / f"{ca}.pem", d / "cacert.pem")
        if cert:
            shutil.copy(f / f"{cert}.pem", d / "clientcert.pem")
            shutil.copy(f / f"{cert}.key", d / "clientkey.pem")
        out[name] = d
    return out
