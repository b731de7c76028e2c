"""What a qemu node's config.xml shows is libvirt's QEMU post-parse
(conf/qemu_postparse.c, qemu_address.c): the implicit controllers, default
devices and PCI addresses are there after a cp, survive a remount unchanged,
and a definition whose address the chipset needs is refused with the reason
in node/error. No guest is started."""
import errno
import subprocess

from helpers.tools import assert_error

PCI_ROOT = "<controller type='pci' index='0' model='pci-root'/>"
PIIX3_IDE = ("<controller type='ide' index='0'>\n"
             "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>")
BALLOON = ("<memballoon model='virtio'>\n"
           "      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>")


def test_config_xml_has_qemu_defaults_and_addresses(qemu_node, mount_factory, tmp_path):
    q = qemu_node
    d = q.define(tmp_path, "pp1", extra_devices=(
        "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
        "<interface type='user'><mac address='52:54:00:12:34:56'/></interface>"))
    cfg = (d / "config.xml").read_text()
    for want in (PCI_ROOT, PIIX3_IDE, BALLOON, "<input type='mouse' bus='ps2'/>",
                 "<input type='keyboard' bus='ps2'/>", "<model type='virtio'/>",
                 "<target type='isa-serial' port='0'>",
                 "<address type='drive' controller='0' bus='1' target='0' unit='0'/>"):
        assert want in cfg, f"{want!r} not in config.xml:\n{cfg}"
    # the interface (model virtio, the NIC this driver gives QEMU) comes
    # first in libvirt's slot order: slot 3, the memballoon's 4
    assert "slot='0x03'" in cfg.split("<interface")[1].split("</interface>")[0]
    # written back and read again after a remount: the same document
    q.mount.stop()
    m2 = mount_factory(f"qemu:///system?root={q.root}", mnt=q.mount.path)
    assert (m2.node() / "domains" / "pp1" / "config.xml").read_text() == cfg


def test_address_the_chipset_needs_is_refused(qemu_node, tmp_path):
    q = qemu_node
    xml = q.domain_xml("pp2").replace(
        "<memballoon model='virtio'/>",
        "<controller type='ide' index='0'/><memballoon model='virtio'>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>"
        "</memballoon>")
    src = tmp_path / "pp2.xml"
    src.write_text(xml)
    r = subprocess.run(["cp", str(src), str(q.node / "domains")], capture_output=True, text=True)
    assert r.returncode != 0
    assert not q.dom("pp2").exists()
    assert_error(q.node / "node", errno.EINVAL)
    assert "double use of PCI address 0000:00:01.1" in (q.node / "node" / "error").read_text()
