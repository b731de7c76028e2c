"""Host interfaces (interfaces/<name>/) and node devices (node/devices/<name>/)
in the tree, for drivers that have them (the test driver does, as libvirt's:
eth1, and computer with its SCSI hosts). An interface: config.xml, state
(active/inactive; start, stop, destroy), mac, error; cp of an <interface>
document defines one, sed -i on config.xml redefines it, rmdir undefines it.
A device: config.xml, parent, capabilities; cp of a vHBA document creates one
under its parent, rmdir destroys it. Neither kind has events, so what changes
is seen at the next read, never a cached one."""
import errno

import pytest

from helpers import transport

from helpers.tools import cat, echo, fails, ls, ok, run, sh, write_fails, write_ok

# libvirt's test driver on a node file (the libvirtd and libvirt-lib transports)
# has only that file's interfaces and devices, and ours holds none:
# tests/libvirt_driver/test_libvirt_local.py checks those against libvirt's own
# test:///default
WHY = "libvirt's test driver on our node file has no interfaces or devices"
pytestmark = [pytest.mark.skipif(transport.NAME == "libvirt-lib", reason=WHY),
              pytest.mark.not_libvirtd(WHY)]

IFACE = """<interface type='ethernet' name='{name}'>
  <start mode='onboot'/>
  <mac address='{mac}'/>
</interface>
"""

VHBA = """<device>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
    </capability>
  </capability>
</device>
"""


def cp_in(tmp_path, folder, name, text):
    f = tmp_path / name
    f.write_text(text)
    return run(["cp", str(f), str(folder)])


def test_the_default_interface(node):
    assert "interfaces" in ls(node)
    assert ls(node / "interfaces") == ["eth1"]
    i = node / "interfaces/eth1"
    assert cat(i / "state") == "active\n"
    assert cat(i / "mac") == "aa:bb:cc:dd:ee:ff\n"
    doc = cat(i / "config.xml")
    assert doc.startswith("<interface type='ethernet' name='eth1'>\n")
    assert "<mac address='aa:bb:cc:dd:ee:ff'/>" in doc


def test_interface_stop_start_and_refusals(node):
    i = node / "interfaces/eth1"
    write_ok(i / "state", "stop")
    assert cat(i / "state") == "inactive\n"
    write_fails(i / "state", "stop", errno.EBUSY)
    assert "interface 'eth1' is inactive already" in cat(i / "error")
    write_ok(i / "state", "start")
    assert cat(i / "state") == "active\n"
    write_fails(i / "state", "start", errno.EBUSY)
    assert "interface 'eth1' is active already" in cat(i / "error")
    write_ok(i / "state", "destroy")  # virsh iface-destroy
    assert cat(i / "state") == "inactive\n"
    for bad in ("bogus", "", "start stop"):
        write_fails(i / "state", bad, errno.EINVAL)
    assert "unknown verb" in cat(i / "error")
    assert cat(i / "state") == "inactive\n"


def test_define_redefine_and_undefine(node, tmp_path):
    d = node / "interfaces"
    ok(cp_in(tmp_path, d, "eth9.xml", IFACE.format(name="eth9", mac="aa:bb:cc:dd:ee:09")))
    assert ls(d) == ["eth1", "eth9"]
    assert cat(d / "eth9/state") == "inactive\n"
    assert cat(d / "eth9/mac") == "aa:bb:cc:dd:ee:09\n"
    fails(cp_in(tmp_path, d, "eth9.xml", IFACE.format(name="eth9", mac="aa:bb:cc:dd:ee:10")),
          errno.EEXIST)
    assert "interface 'eth9' already exists" in cat(node / "node/error")
    ok(sh('sed -i "s/ee:09/ee:0a/" "$1"', str(d / "eth9/config.xml")))
    assert cat(d / "eth9/mac") == "aa:bb:cc:dd:ee:0a\n"
    # a config.xml that names another interface is refused, and changes nothing
    fails(sh('sed -i "s/eth9/eth8/" "$1"', str(d / "eth9/config.xml")), errno.EINVAL)
    assert "the document names 'eth8', not 'eth9'" in cat(d / "eth9/error")
    assert ls(d) == ["eth1", "eth9"]
    ok(run(["rmdir", str(d / "eth9")]))
    assert ls(d) == ["eth1"]
    fails(run(["cat", str(d / "eth9/state")]), errno.ENOENT)


@pytest.mark.parametrize("doc, why", [
    ("garbage\n", "Start tag expected"),
    ("<interface type='ethernet'/>\n", "has no name"),
    ("<interface type='ethernet' name='a/b'/>\n", "cannot be used as a file name"),
    ("<network><name>n</name></network>\n", "interface"),
    ("", "empty"),
])
def test_bad_interface_documents_change_nothing(node, tmp_path, doc, why):
    d = node / "interfaces"
    r = cp_in(tmp_path, d, "bad.xml", doc)
    if doc == "":  # an empty copy is no document: nothing is defined
        assert ls(d) == ["eth1"]
        return
    fails(r, errno.EINVAL)
    assert why in cat(node / "node/error")
    assert ls(d) == ["eth1"]


def test_node_devices(node):
    d = node / "node/devices"
    assert ls(d) == ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]
    assert cat(d / "computer/parent") == ""
    assert cat(d / "scsi_host1/parent") == "computer\n"
    assert cat(d / "computer/capabilities") == "system\n"
    assert "scsi_host" in cat(d / "scsi_host1/capabilities").split()
    assert cat(d / "computer/config.xml").startswith("<device>\n  <name>computer</name>\n")
    fails(echo(d / "computer/parent", "x"), errno.EACCES)


def test_a_vhba_is_created_and_destroyed(node, tmp_path):
    d = node / "node/devices"
    ok(cp_in(tmp_path, d, "vhba.xml", VHBA))
    assert "scsi_host12" in ls(d)
    assert cat(d / "scsi_host12/parent") == "scsi_host1\n"
    assert "<wwpn>1000000012341234</wwpn>" in cat(d / "scsi_host12/config.xml")
    ok(run(["rmdir", str(d / "scsi_host12")]))
    assert "scsi_host12" not in ls(d)


def test_read_only_mount_refuses_interface_writes(mount_factory, tmp_path):
    m = mount_factory(options=["ro"])
    n = m.node()
    write_fails(n / "interfaces/eth1/state", "stop", errno.EROFS)
    fails(cp_in(tmp_path, n / "interfaces", "eth9.xml",
                IFACE.format(name="eth9", mac="aa:bb:cc:dd:ee:09")), errno.EROFS)
    fails(run(["rmdir", str(n / "interfaces/eth1")]), errno.EROFS)
    assert cat(n / "interfaces/eth1/state") == "active\n"
