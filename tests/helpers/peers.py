"""peers.py: the real peers a remote node talks to, for the transport mode of
the behaviour suite (helpers/transport.py) and for tests/libvirtd:

- `Hyperfsd`: build/hyperfsd listening on a unix socket, TCP or TLS on loopback;
  stopped with SIGTERM, after which it must exit 0 with a clean log;
- `make_pki`: a CA, a server and a client certificate made by certtool (RSA:
  libvirt refuses certtool's ECDSA certificates, which lack keyEncipherment);
- `Sshd`: a real sshd on loopback with a throwaway ed25519 host key and user key
  (libssh2 1.10 signs RSA user keys with SHA-1, which OpenSSH 9.2 refuses);
- `Libvirtd`: a private real libvirtd in its own network and mount namespaces
  (tools/libvirtd-sandbox), one per test session.

Every class raises PeerUnavailable (a reason, for pytest.skip) when the tools it
needs are missing, and AssertionError with the peer's log when it misbehaves."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "tools" / "libvirtd-sandbox"
SSHD = "/usr/sbin/sshd"

LOG_SURPRISES = re.compile(
    r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error|CRITICAL"
    r"|SUMMARY: \w+Sanitizer|Segmentation fault|double free")


class PeerUnavailable(Exception):
    """The machine cannot run this peer (a tool or a privilege is missing)."""


def hyperfsd_binary():
    if os.environ.get("HYPERFSD"):
        return Path(os.environ["HYPERFSD"])
    if os.environ.get("HYPERFS"):
        return Path(os.environ["HYPERFS"]).parent / "hyperfsd"
    return REPO / "build" / "hyperfsd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def virsh(uri, *args, check=True, timeout=20):
    """A real virsh against uri; with check, a failure fails the test."""
    r = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"virsh -c {uri} {' '.join(args)} failed ({r.returncode}):\n"
                             f"{r.stdout}{r.stderr}")
    return r


def _tail(path, n=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


class Hyperfsd:
    """One hyperfsd serving one node over `kind` (unix, tcp or tls)."""

    def __init__(self, folder, kind, pki=None):
        self.dir = Path(folder)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.kind = kind
        self.pki = pki
        self.sock = self.dir / "sock"
        self.port = free_port() if kind in ("tcp", "tls") else None
        self.log = self.dir / "hyperfsd.log"
        self.pidfile = self.dir / "hyperfsd.pid"
        self.proc = None
        self.cmd = [str(hyperfsd_binary()), "-f", "--pidfile", str(self.pidfile),
                    "--listen", f"unix:{self.sock}"]
        if kind == "tcp":
            self.cmd += ["--listen", f"tcp:127.0.0.1:{self.port}"]
        elif kind == "tls":
            self.cmd += ["--listen", f"tls:127.0.0.1:{self.port}", "--pki", str(pki["server"])]

    def start(self):
        if not hyperfsd_binary().exists():
            raise AssertionError(f"{hyperfsd_binary()} is not built")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 10
        while not (self.pidfile.exists() and self.sock.exists()):
            if self.proc.poll() is not None:
                raise AssertionError(f"hyperfsd exited {self.proc.returncode}:\n{self.describe()}")
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"hyperfsd did not start in 10 s:\n{self.describe()}")
            time.sleep(0.01)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def describe(self):
        return f"hyperfsd: {' '.join(self.cmd)}\nlog {self.log}:\n{_tail(self.log)}"

    def stop(self):
        """SIGTERM; returns a list of problems (empty when it went cleanly)."""
        if self.proc is None:
            return []
        problems = []
        if self.proc.poll() is not None:
            problems.append(f"hyperfsd died during the test (status {self.proc.returncode})")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("hyperfsd ignored SIGTERM for 10 s")
            if self.proc.returncode != 0:
                problems.append(f"hyperfsd exited {self.proc.returncode} on SIGTERM")
        bad = [l for l in _tail(self.log, 100000).splitlines() if LOG_SURPRISES.search(l)]
        if bad:
            problems.append("hyperfsd log has sanitizer/critical lines:\n  " + "\n  ".join(bad[:20]))
        return [f"{p}\n{self.describe()}" for p in problems]


def _certtool(folder, *args):
    subprocess.run(["certtool", *args], cwd=folder, check=True, capture_output=True)


def _cert(folder, name, template, ca=None):
    """An RSA key NAME.key and its certificate NAME.pem (self-signed without ca)."""
    (Path(folder) / f"{name}.tmpl").write_text(template)
    _certtool(folder, "--generate-privkey", "--key-type=rsa", "--bits=2048",
              "--outfile", f"{name}.key")
    if ca is None:
        _certtool(folder, "--generate-self-signed", "--load-privkey", f"{name}.key",
                  "--template", f"{name}.tmpl", "--outfile", f"{name}.pem")
    else:
        _certtool(folder, "--generate-certificate", "--load-privkey", f"{name}.key",
                  "--load-ca-certificate", f"{ca}.pem", "--load-ca-privkey", f"{ca}.key",
                  "--template", f"{name}.tmpl", "--outfile", f"{name}.pem")


def make_pki(folder):
    """{'server': hyperfsd --pki folder (libvirt's layout), 'client': pkipath=}."""
    if not shutil.which("certtool"):
        raise PeerUnavailable("certtool is not installed (gnutls-bin; tools/install-deps)")
    f = Path(folder)
    f.mkdir(parents=True, exist_ok=True)
    _cert(f, "ca", "cn = hyperfs transport CA\nca\ncert_signing_key\nexpiration_days = 30\n")
    _cert(f, "server", "organization = hyperfs\ncn = 127.0.0.1\nip_address = 127.0.0.1\n"
          "dns_name = localhost\ntls_www_server\nencryption_key\nsigning_key\n"
          "expiration_days = 30\n", ca="ca")
    _cert(f, "client", "organization = hyperfs\ncn = client\ntls_www_client\nencryption_key\n"
          "signing_key\nexpiration_days = 30\n", ca="ca")
    srv, cli = f / "server-pki", f / "client"
    (srv / "CA").mkdir(parents=True)
    (srv / "libvirt/private").mkdir(parents=True)
    cli.mkdir()
    shutil.copy(f / "ca.pem", srv / "CA/cacert.pem")
    shutil.copy(f / "server.pem", srv / "libvirt/servercert.pem")
    shutil.copy(f / "server.key", srv / "libvirt/private/serverkey.pem")
    shutil.copy(f / "ca.pem", cli / "cacert.pem")
    shutil.copy(f / "client.pem", cli / "clientcert.pem")
    shutil.copy(f / "client.key", cli / "clientkey.pem")
    return {"server": srv, "client": cli}


class Sshd:
    """A real sshd on 127.0.0.1:port; `hyperfsd --stdio` resolves on its PATH."""

    def __init__(self, folder):
        if not os.path.exists(SSHD) or not shutil.which("ssh"):
            raise PeerUnavailable("sshd or ssh is not installed (tools/install-deps installs them)")
        if os.geteuid() != 0:
            raise PeerUnavailable("sshd needs root")
        self.dir = Path(folder)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc = None

    @property
    def user_key(self):
        return self.dir / "user_key"

    @property
    def known_hosts(self):
        return self.dir / "known_hosts"

    def start(self):
        d = self.dir
        for key in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)],
                           check=True)
        shutil.copy(d / "user_key.pub", d / "authorized_keys")
        bindir = hyperfsd_binary().resolve().parent
        (d / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n"
            f"PidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nMaxStartups 100\n"
            "MaxSessions 100\n"
            f"SetEnv PATH={bindir}:/usr/sbin:/usr/bin:/sbin:/bin\n")
        os.makedirs("/run/sshd", exist_ok=True)
        with open(d / "sshd.log", "w") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")],
                                         stdout=log, stderr=subprocess.STDOUT)
        pub = (d / "host_key.pub").read_text().split()
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {pub[0]} {pub[1]}\n")
        deadline = time.monotonic() + 10
        while subprocess.run(["ssh-keyscan", "-p", str(self.port), "127.0.0.1"],
                             capture_output=True).returncode != 0 \
                or not (d / "sshd.pid").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("sshd did not start:\n" + _tail(d / "sshd.log"))
            time.sleep(0.1)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def libvirtd_unavailable():
    """None when a sandboxed libvirtd can run here, else the reason."""
    if not shutil.which("libvirtd") and not os.path.exists("/usr/sbin/libvirtd"):
        return "libvirtd is not installed (tools/install-deps installs libvirt-daemon-system)"
    if os.geteuid() != 0:
        return "the libvirtd sandbox needs root (mount and network namespaces)"
    r = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True, text=True)
    if r.returncode != 0:
        return f"namespaces are unavailable here (unshare -m -n: {r.stderr.strip()})"
    return None


class Libvirtd:
    """A private libvirtd (tools/libvirtd-sandbox) in DIR. Its unix sockets are
    seen from outside; its TCP listener (127.0.0.1:16509, auth none) only from
    its network namespace: `netns_prefix()` runs a command there."""

    TCP_PORT = 16509

    def __init__(self, folder=None, extra_conf=""):
        why = libvirtd_unavailable()
        if why:
            raise PeerUnavailable(why)
        self.own_dir = folder is None  # removed by stop()
        self.dir = Path(folder or tempfile.mkdtemp(prefix="hv-libvirtd-"))
        self.started = False
        self.extra_conf = extra_conf  # more libvirtd.conf lines (keepalive_interval = 1, ...)

    @property
    def sock(self):
        return self.dir / "run" / "libvirt-sock"

    @property
    def sock_ro(self):
        return self.dir / "run" / "libvirt-sock-ro"

    @property
    def log(self):
        return self.dir / "log" / "libvirtd.log"

    def pid(self):
        return int((self.dir / "pid").read_text())

    def netns_prefix(self):
        return ["nsenter", f"--net=/proc/{self.pid()}/ns/net"]

    def start(self):
        t0 = time.monotonic()
        r = subprocess.run([str(SANDBOX), "start", str(self.dir)], capture_output=True, text=True,
                           timeout=180)
        if r.returncode != 0:
            raise AssertionError(f"libvirtd-sandbox start failed:\n{r.stdout}{r.stderr}")
        self.started = True
        if self.extra_conf:
            # the sandbox writes its libvirtd.conf at each start: stop, add, run it again
            subprocess.run([str(SANDBOX), "stop", str(self.dir)], capture_output=True, timeout=60)
            with open(self.dir / "etc/libvirtd.conf", "a") as f:
                f.write(self.extra_conf.rstrip("\n") + "\n")
            self.sock.unlink(missing_ok=True)
            with open(self.dir / "libvirtd.out", "w") as out:
                p = subprocess.Popen(["setsid", "unshare", "-m", "-n", "--propagation", "private",
                                      "sh", str(self.dir / "inner")], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            (self.dir / "pid").write_text(f"{p.pid}\n")
            deadline = time.monotonic() + 60
            while not self.sock.exists():
                if p.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("libvirtd did not come back:\n" + self.describe())
                time.sleep(0.1)
        self.start_seconds = time.monotonic() - t0
        # the socket exists; wait until it answers
        deadline = time.monotonic() + 60
        while True:
            r = subprocess.run(["virsh", "-q", "-c", self.uri("test:///default"), "version"],
                               capture_output=True, text=True, timeout=30)
            if r.returncode == 0:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"libvirtd does not answer:\n{r.stderr}\n{self.describe()}")
            time.sleep(0.2)
        return self

    def uri(self, local_uri, transport="unix"):
        """test:///default -> test+unix:///default?socket=DIR/run/libvirt-sock."""
        drv, rest = local_uri.split(":", 1)
        path, _, query = rest[2:].partition("?")
        if transport == "unix":
            q = f"socket={self.sock}" + (f"&{query}" if query else "")
            return f"{drv}+unix://{path}?{q}"
        return f"{drv}+tcp://127.0.0.1:{self.TCP_PORT}{path}" + (f"?{query}" if query else "")

    def describe(self):
        return (f"libvirtd sandbox {self.dir}\nlibvirtd.out:\n{_tail(self.dir / 'libvirtd.out')}\n"
                f"libvirtd.log:\n{_tail(self.log)}")

    def alive(self):
        try:
            os.kill(self.pid(), 0)
            return True
        except (OSError, ValueError):
            return False

    def stop(self):
        if self.started:
            subprocess.run([str(SANDBOX), "stop", str(self.dir)], capture_output=True, timeout=60)
            self.started = False
            if self.own_dir:
                shutil.rmtree(self.dir, ignore_errors=True)
