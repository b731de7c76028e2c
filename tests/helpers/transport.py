"""transport.py: the behaviour suite over the network (tests/README.md).

With HV_TRANSPORT set, every node a test mounts is reached through a real peer
instead of being opened inside hyperfs; the tests themselves do not change:

    unix, tcp, tls     one build/hyperfsd per node (fresh state for every mount,
                       as a local test:/// node has), on a unix socket, TCP or TLS
                       on loopback (certificates made by certtool once per session)
    ssh, libssh2       one sshd on loopback per session (throwaway ed25519 keys);
                       every connection runs its own `hyperfsd --stdio`
    libvirtd-unix,     one private real libvirtd per session (tools/libvirtd-sandbox);
    libvirtd-tcp       test:///default becomes a node file with the same objects,
                       which libvirt's test driver loads privately per connection;
                       tcp runs hyperfs inside the sandbox's network namespace
    libvirt-lib        no peer: hyperfs's libvirt driver (drivers/libvirt/) opens
                       libvirt's own test driver in-process, on the same node file
                       (libvirt:test:///FILE)

`Transport.node(conn, folder)` turns one `-c [NAME=]URI` argument into the
remote form, keeping the node folder's name and the query parameters:
`test:///default?clock=fixed&shutdown-delay=200` ->
`localhost=test+unix:///default?clock=fixed&shutdown-delay=200&socket=DIR/sock`.
URIs that already name a transport (tests/remote) are left alone.

Markers (tests/conftest.py): `local_only(reason)` skips a test under every
transport, `not_libvirtd(reason)` wherever libvirt's own test driver serves
the node (the libvirtd transports and libvirt-lib)."""
import os
import re
from pathlib import Path

from .peers import Hyperfsd, Libvirtd, PeerUnavailable, Sshd, make_pki

REPO = Path(__file__).resolve().parents[2]
NAMES = ("unix", "tcp", "tls", "ssh", "libssh2", "libvirtd-unix", "libvirtd-tcp", "libvirt-lib")
NAME = os.environ.get("HV_TRANSPORT", "").strip() or None
if NAME is not None and NAME not in NAMES:
    raise SystemExit(f"HV_TRANSPORT={NAME!r}: expected one of {', '.join(NAMES)}")


def active():
    return NAME is not None


def is_libvirtd():
    """libvirt's own test driver serves the node: through a libvirtd, or
    in-process through our libvirt driver (libvirt-lib)."""
    return NAME is not None and (NAME.startswith("libvirtd-") or NAME == "libvirt-lib")


def needs_libvirtd():
    return NAME is not None and NAME.startswith("libvirtd-")


def default_node_xml():
    """The node document behind our test:///default (drivers/test/test_default.c),
    so libvirt's test driver can load the same objects (plus the two volumes)."""
    src = (REPO / "drivers/test/test_default.c").read_text()
    body = re.search(r"test_default_node_xml\[\] =\n(.*?);\n", src, re.S).group(1)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).encode().decode("unicode_escape")


class Session:
    """The peers shared by a whole test session, started on first use."""

    def __init__(self):
        self.tmp = None
        self.pki = None
        self.sshd = None
        self.libvirtd = None
        self.default_node = None
        self.unavailable = None

    def folder(self, name):
        import tempfile
        if self.tmp is None:
            self.tmp = Path(tempfile.mkdtemp(prefix="hv-transport-"))
        p = self.tmp / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def get_pki(self):
        if self.pki is None:
            self.pki = make_pki(self.folder("pki"))
        return self.pki

    def get_sshd(self):
        if self.sshd is None:
            self.sshd = Sshd(self.folder("sshd")).start()
        return self.sshd

    def get_libvirtd(self):
        if self.libvirtd is None:
            self.libvirtd = shared_libvirtd()
        if not self.libvirtd.alive():
            raise AssertionError("the session's libvirtd died\n" + self.libvirtd.describe())
        return self.libvirtd

    def get_default_node(self):
        if self.default_node is None:
            self.default_node = self.folder("libvirtd") / "default-node.xml"
            self.default_node.write_text(default_node_xml())
        return self.default_node

    def check(self):
        """Starts what NAME needs once; raises PeerUnavailable with the reason."""
        if self.unavailable:
            raise PeerUnavailable(self.unavailable)
        try:
            if NAME == "tls":
                self.get_pki()
            elif NAME in ("ssh", "libssh2"):
                self.get_sshd()
            elif needs_libvirtd():
                self.get_libvirtd()
            elif NAME == "libvirt-lib":
                libvirt_lib_check()
        except PeerUnavailable as e:
            self.unavailable = str(e)
            raise

    def close(self):
        if self.sshd:
            self.sshd.stop()
        if self.libvirtd:
            self.libvirtd.stop()
        if self.tmp:
            import shutil
            shutil.rmtree(self.tmp, ignore_errors=True)


def shared_libvirtd():
    """HV_LIBVIRTD_DIR=DIR reuses a sandbox already running in DIR (started by
    hand with tools/libvirtd-sandbox start DIR; left running), else a new one."""
    if os.environ.get("HV_LIBVIRTD_DIR"):
        lv = Libvirtd(os.environ["HV_LIBVIRTD_DIR"])
        if not lv.alive():
            raise AssertionError(f"HV_LIBVIRTD_DIR={lv.dir}: no libvirtd runs there")
        return lv
    return Libvirtd().start()


def libvirt_lib_check():
    """libvirt-lib needs a hyperfs built with the libvirt driver."""
    import subprocess
    exe = os.environ.get("HYPERFS", str(REPO / "build/hyperfs"))
    nm = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
    if "hv_libvirt_driver" not in nm:
        raise PeerUnavailable(f"{exe} is built without the libvirt driver (libvirt-dev)")


SESSION = Session()

_CONN = re.compile(r"^(?:([A-Za-z0-9_.-]+)=)?([a-z0-9]+):(//.*)$")


def _split(conn):
    """'[NAME=]scheme://host/path?query' -> (NAME or None, scheme, host, path, query)."""
    m = _CONN.match(conn)
    if not m:
        return None
    name, scheme, rest = m.groups()
    hostpath, _, query = rest[2:].partition("?")
    host, _, path = hostpath.partition("/")
    return name, scheme, host, "/" + path, query


def _join(query, extra):
    return "&".join(q for q in (query, extra) if q)


class MountPeers:
    """The peers of one mount: Transport.node() per -c argument, stop() at the end."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.daemons = []
        self.netns = None  # a command prefix: hyperfs runs in libvirtd's network namespace

    def node(self, conn, node_name):
        parts = _split(conn)
        if parts is None or "+" in parts[1] or parts[2]:
            return conn  # already remote, or not a local URI
        _, scheme, _, path, query = parts
        if NAME == "libvirt-lib":
            return f"{node_name}={self._libvirt_lib(scheme, path, query)}"
        if is_libvirtd():
            return f"{node_name}={self._libvirtd(scheme, path, query)}"
        if NAME in ("unix", "tcp", "tls"):
            d = Hyperfsd(self.folder / f"hyperfsd{len(self.daemons) + 1}", NAME,
                         pki=SESSION.get_pki() if NAME == "tls" else None)
            self.daemons.append(d)
            d.start()
            if NAME == "unix":
                uri = f"{scheme}+unix://{path}?" + _join(query, f"socket={d.sock}")
            elif NAME == "tcp":
                uri = f"{scheme}+tcp://127.0.0.1:{d.port}{path}" + (f"?{query}" if query else "")
            else:
                uri = (f"{scheme}+tls://127.0.0.1:{d.port}{path}?"
                       + _join(query, f"pkipath={SESSION.get_pki()['client']}"))
            return f"{node_name}={uri}"
        s = SESSION.get_sshd()
        extra = f"keyfile={s.user_key}&known_hosts={s.known_hosts}"
        uri = f"{scheme}+{NAME}://root@127.0.0.1:{s.port}{path}?" + _join(query, extra)
        return f"{node_name}={uri}"

    def _libvirtd(self, scheme, path, query):
        lv = SESSION.get_libvirtd()
        if scheme != "test":
            raise PeerUnavailable(f"{scheme}:// URIs are not mapped onto the session's libvirtd")
        if path == "/default":
            # libvirt's test:///default is one instance shared by every open
            # connection; a node file is private to each, so every mount starts fresh
            path = str(SESSION.get_default_node())
        # libvirt's test driver ignores our parameters (clock=, shutdown-delay=, ...)
        if NAME == "libvirtd-unix":
            return f"{scheme}+unix://{path}?" + _join(query, f"socket={lv.sock}")
        self.netns = lv.netns_prefix()
        return f"{scheme}+tcp://127.0.0.1:{lv.TCP_PORT}{path}" + (f"?{query}" if query else "")

    def _libvirt_lib(self, scheme, path, query):
        if scheme != "test":
            raise PeerUnavailable(f"{scheme}:// URIs are not mapped onto libvirt's test driver")
        if path == "/default":
            path = str(SESSION.get_default_node())  # private to each connection, as above
        return f"libvirt:test://{path}" + (f"?{query}" if query else "")

    def alive_problems(self):
        return [f"hyperfsd died during the test\n{d.describe()}" for d in self.daemons
                if not d.alive()]

    def stop(self):
        problems = []
        for d in self.daemons:
            problems += d.stop()
        return problems

    def describe(self):
        return "\n".join(d.describe() for d in self.daemons)
