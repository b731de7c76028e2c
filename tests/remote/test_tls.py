"""test_tls.py: hyperfsd's tls listener and the remote driver's tls transport,
with certificates made by certtool at test time (RSA keys): a real virsh and a
hyperfs mount work; a client of another CA, an expired client certificate and
a missing one are refused, and so is a server whose CA the client does not trust
(unless no_verify=1)."""
import shutil

import pytest

from .hfd import Daemon, free_port, make_pki, mount_fails, virsh

pytestmark = pytest.mark.skipif(not shutil.which("certtool"), reason="certtool (gnutls-bin) missing")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_daemon(tmp_path, pki):
    port = free_port()
    d = Daemon(tmp_path / "d", extra=["--listen", f"tls:127.0.0.1:{port}",
                                      "--pki", str(pki["server"])])
    d.dir.mkdir()
    d.tls_port = port
    d.start()
    yield d
    alive = d.alive()
    assert d.stop() == 0, d.describe()
    assert alive, d.describe()


def tls_uri(d, pkipath, extra=""):
    return f"test+tls://127.0.0.1:{d.tls_port}/default?pkipath={pkipath}{extra}"


def test_virsh_over_tls(tls_daemon, pki):
    uri = tls_uri(tls_daemon, pki["client"])
    names = virsh(uri, "list", "--all", "--name").stdout.split()
    assert names == virsh(tls_daemon.uri, "list", "--all", "--name").stdout.split()
    assert virsh(uri, "domstate", "test").stdout.strip() == "running"
    assert "TLS session accepted" in tls_daemon.log.read_text()


@pytest.mark.parametrize("who", ["wrongca", "expired", "nocert"])
def test_virsh_refused(tls_daemon, pki, who):
    r = virsh(tls_uri(tls_daemon, pki[who]), "list", "--all", check=False)
    assert r.returncode != 0, r.stdout
    if who == "nocert":  # virsh checks its own expired certificate and the server's CA first
        assert "refused" in tls_daemon.log.read_text()


def test_mount_over_tls(tls_daemon, pki, mount_factory):
    from .test_mount import read, write
    m = mount_factory(f"n1={tls_uri(tls_daemon, pki['client'])}")
    n = m.path / "n1"
    assert "test" in [p.name for p in (n / "domains").iterdir()]
    assert read(n / "domains/test/state") == "running"
    write(n / "domains/test/state", "suspend")
    assert virsh(tls_daemon.uri, "domstate", "test").stdout.strip() == "paused"


def test_mount_refused(tls_daemon, pki, tmp_path):
    out = mount_fails(tls_uri(tls_daemon, pki["wrongca"]), tmp_path)
    assert "certificate" in out, out
    out = mount_fails(tls_uri(tls_daemon, pki["nocert"]), tmp_path)
    assert "refused" in out, out
    out = mount_fails(tls_uri(tls_daemon, pki["expired"]), tmp_path)  # hyperfs sends it anyway
    assert "refused" in out, out
    log = tls_daemon.log.read_text()
    assert "Certificate is required" in log and "expired" in log, log


def test_no_verify_skips_the_server_check(tls_daemon, pki, tmp_path, mount_factory):
    """wrongca's client certificate is refused by the server; so to see the
    client side alone, present the good client cert with a wrong CA file."""
    d = tmp_path / "badca-goodcert"
    shutil.copytree(pki["client"], d)
    shutil.copy(pki["wrongca"] / "cacert.pem", d / "cacert.pem")
    assert "certificate" in mount_fails(tls_uri(tls_daemon, d), tmp_path)
    m = mount_factory(f"n1={tls_uri(tls_daemon, d, '&no_verify=1')}")
    assert (m.path / "n1/domains/test/state").read_text().strip() == "running"
