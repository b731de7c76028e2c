"""test_tls_dn.py: hyperfsd's allow-list of TLS client DNs (--tls-allowed-dn,
or tls_allowed_dn_list in the config file). Two client certificates signed by
the same CA (certtool, RSA): the one whose DN matches a pattern is accepted,
the other is refused after the handshake with the reason in the log, by virsh
and by a hyperfs mount alike. An empty list in the file means no check."""
import shutil

import pytest

from .hfd import CLIENT_TMPL, VALID, Daemon, _cert, free_port, make_pki, mount_fails, virsh

pytestmark = pytest.mark.skipif(not shutil.which("certtool"), reason="certtool (gnutls-bin) missing")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    f = tmp_path_factory.mktemp("pki")
    out = make_pki(f)
    # a second valid client of the same CA, with another DN
    _cert(f, "intruder", CLIENT_TMPL.format(cn="intruder", dates=VALID), ca="ca")
    d = f / "intruder-pki"
    d.mkdir()
    shutil.copy(f / "ca.pem", d / "cacert.pem")
    shutil.copy(f / "intruder.pem", d / "clientcert.pem")
    shutil.copy(f / "intruder.key", d / "clientkey.pem")
    out["intruder"] = d
    return out


def start(tmp_path, pki, extra):
    port = free_port()
    d = Daemon(tmp_path / "d", extra=["--listen", f"tls:127.0.0.1:{port}",
                                      "--pki", str(pki["server"]), *extra])
    d.dir.mkdir()
    d.tls_uri = lambda who: (f"test+tls://127.0.0.1:{port}/default?pkipath={pki[who]}")
    return d.start()


def stop(d):
    alive = d.alive()
    assert d.stop() == 0, d.describe()
    assert alive, d.describe()


@pytest.mark.parametrize("how", ["option", "config"])
def test_allowed_dn_accepts_and_refuses(tmp_path, pki, how, mount_factory):
    patterns = ["CN=nobody,O=elsewhere", "*CN=client*"]
    if how == "option":
        extra = [a for p in patterns for a in ("--tls-allowed-dn", p)]
    else:
        conf = tmp_path / "hyperfsd.conf"
        conf.write_text("tls_allowed_dn_list = [ %s ]\n" % ", ".join(f'"{p}"' for p in patterns))
        extra = ["--config", str(conf)]
    d = start(tmp_path, pki, extra)
    try:
        assert virsh(d.tls_uri("client"), "domstate", "test").stdout.strip() == "running"
        r = virsh(d.tls_uri("intruder"), "list", "--all", check=False)
        assert r.returncode != 0, r.stdout
        log = d.log.read_text()
        assert "CN=intruder" in log and "is not in the allowed list" in log, log
        out = mount_fails(d.tls_uri("intruder"), tmp_path)
        assert "refused" in out, out
        m = mount_factory(f"n={d.tls_uri('client')}")
        assert (m.path / "n/domains/test/state").read_text().strip() == "running"
    finally:
        stop(d)


def test_empty_list_checks_nothing(tmp_path, pki):
    conf = tmp_path / "hyperfsd.conf"
    conf.write_text("tls_allowed_dn_list = []\n")
    d = start(tmp_path, pki, ["--config", str(conf)])
    try:
        assert virsh(d.tls_uri("intruder"), "domstate", "test").stdout.strip() == "running"
    finally:
        stop(d)
