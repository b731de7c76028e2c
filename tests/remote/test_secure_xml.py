"""A domain's secrets (a VNC or SPICE passwd) as libvirt shows them:
`virsh dumpxml` leaves passwd= out (its passwdValidTo= stays), `--security-info`
(VIR_DOMAIN_XML_SECURE) shows it, and a read-only connection may not ask for
it ("virDomainGetXMLDesc with secure flag"), the same answers as libvirt's
in-process test:///default; a snapshot's document (the domain inside it)
likewise. In the tree, a read-write mount's config.xml and
live.xml hold the passwd (so `sed -i` keeps it) and only their owner reads
them (0600); a read-only mount shows no passwd at all."""
import os
import stat

from helpers.tools import cat, ok, run

from .hfd import virsh

GFX = ("<domain type='test'><name>gfx</name><memory>65536</memory>"
       "<os><type>hvm</type></os><devices>"
       "<graphics type='vnc' port='-1' passwd='s3cret' passwdValidTo='2030-01-01T00:00:00'/>"
       "<graphics type='spice' port='-1' passwd=\"sp1ce\"/>"
       "</devices></domain>")


def graphics_lines(xml):
    return [ln.strip() for ln in xml.splitlines() if "<graphics" in ln]


def define(tmp_path, uri):
    f = tmp_path / "gfx.xml"
    f.write_text(GFX)
    virsh(uri, "define", str(f))
    return f


def test_dumpxml_hides_passwd_like_libvirt(daemon, tmp_path):
    f = define(tmp_path, daemon.uri)
    plain = virsh(daemon.uri, "dumpxml", "gfx").stdout
    secure = virsh(daemon.uri, "dumpxml", "--security-info", "gfx").stdout
    assert "s3cret" not in plain and "sp1ce" not in plain
    assert "passwdValidTo='2030-01-01T00:00:00'" in plain
    assert "passwd='s3cret'" in secure and "passwd='sp1ce'" in secure
    # the inactive definition too
    assert "s3cret" not in virsh(daemon.uri, "dumpxml", "--inactive", "gfx").stdout
    r = virsh(daemon.uri_ro, "dumpxml", "--security-info", "gfx", check=False)
    assert r.returncode != 0
    assert "operation forbidden: virDomainGetXMLDesc with secure flag" in r.stderr
    assert "s3cret" not in virsh(daemon.uri_ro, "dumpxml", "gfx").stdout
    # libvirt's own test driver gives the same graphics elements
    lv_plain = virsh("test:///default", f"define {f} ; dumpxml gfx").stdout
    lv_secure = virsh("test:///default", f"define {f} ; dumpxml --security-info gfx").stdout
    assert graphics_lines(plain) == graphics_lines(lv_plain)
    assert graphics_lines(secure) == graphics_lines(lv_secure)


def test_snapshot_xml_hides_passwd(daemon, tmp_path):
    f = define(tmp_path, daemon.uri)
    virsh(daemon.uri, "snapshot-create-as", "gfx", "s1")
    plain = virsh(daemon.uri, "snapshot-dumpxml", "gfx", "s1").stdout
    secure = virsh(daemon.uri, "snapshot-dumpxml", "--security-info", "gfx", "s1").stdout
    assert "<graphics type='vnc'" in plain and "s3cret" not in plain
    assert "passwd='s3cret'" in secure
    r = virsh(daemon.uri_ro, "snapshot-dumpxml", "--security-info", "gfx", "s1", check=False)
    assert r.returncode != 0
    assert "virDomainSnapshotGetXMLDesc with secure flag" in r.stderr
    lv = virsh("test:///default", f"define {f} ; snapshot-create-as gfx s1 ; "
               "snapshot-dumpxml gfx s1 ; snapshot-dumpxml --security-info gfx s1").stdout
    assert graphics_lines(lv) == graphics_lines(plain) + graphics_lines(secure)


def test_tree_keeps_secrets_private(daemon, tmp_path, mount_factory):
    define(tmp_path, daemon.uri)
    rw = mount_factory(f"lab={daemon.uri}").node("lab") / "domains/gfx"
    for f in ("config.xml", "live.xml"):
        assert "passwd='s3cret'" in cat(rw / f), f
    assert stat.S_IMODE(os.stat(rw / "config.xml").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(rw / "live.xml").st_mode) == 0o400
    # an edit with sed keeps the passwd
    ok(run(["sed", "-i", "s/65536/131072/", str(rw / "config.xml")]))
    secure = virsh(daemon.uri, "dumpxml", "--inactive", "--security-info", "gfx").stdout
    assert "131072" in secure and "passwd='s3cret'" in secure
    ro = mount_factory(f"lab={daemon.uri}", options=["ro"]).node("lab") / "domains/gfx"
    for f in ("config.xml", "live.xml"):
        xml = cat(ro / f)
        assert "<graphics type='vnc'" in xml and "s3cret" not in xml and "sp1ce" not in xml, f
        assert stat.S_IMODE(os.stat(ro / f).st_mode) == 0o400, f
