"""test_libvirt_local.py: the libvirt driver on what runs in-process or on
loopback: libvirt's own test driver (libvirt:test:///default), the fallback of
plain libvirt hypervisor URIs no driver of ours serves, libvirt's errors as
errnos, and a peer that goes away and comes back (hyperfsd reached through
libvirt's own remote client: libvirt:test+unix:///default?socket=...).
The whole tree suite runs through this driver too: HV_TRANSPORT=libvirt-lib
(tests/README.md)."""
import errno
import os
import subprocess
import time

from helpers.tools import (EventWait, assert_error, cat, fails, kv, ls, ok, polled, run, state,
                           write_fails, write_ok)

from helpers.peers import Hyperfsd

LV = "libvirt:test:///default"
BOUND_S = 15  # libvirt notices the closed socket at once; the backoff reaches 5 s


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", "test:///default", *args], capture_output=True,
                          text=True, timeout=30)


def wait_for(pred, secs):
    return polled(pred, secs, ignore=OSError)


def test_node_is_libvirts_test_driver(mount_factory):
    m = mount_factory(f"lv={LV}", node_names=["lv"])
    n = m.node("lv")
    info = kv(cat(n / "node/info"))
    assert info["driver"] == "libvirt" and info["uri"] == LV and info["connected"] == "yes"
    assert ls(n / "domains") == ["test"]
    assert ls(n / "networks") == ["default"]
    assert ls(n / "pools") == ["default-pool"]
    # the same objects virsh sees in its own in-process test:///default
    assert cat(n / "domains/test/uuid").strip() == virsh("domuuid", "test").stdout.strip()
    assert state(n / "domains/test") == "running"
    assert "<domain type='test'" in cat(n / "domains/test/config.xml")
    assert "state.state=1" in cat(n / "domains/test/stats")


def test_verbs_events_and_cached_state(mount_factory):
    m = mount_factory(f"lv={LV}", node_names=["lv"])
    d = m.node("lv") / "domains/test"
    with EventWait(m.node("lv"), r" domain test suspended paused$"):
        write_ok(d / "state", "suspend")
    assert state(d) == "paused"
    with EventWait(m.node("lv"), r" domain test stopped destroyed$"):
        write_ok(d / "state", "destroy")
    assert state(d) == "shutoff"
    assert cat(d / "id").strip() == "-1"
    with EventWait(m.node("lv"), r" domain test memory-changed 262144$"):
        write_ok(d / "memory", "256M")
    assert cat(d / "memory").strip() == "262144"


def test_libvirt_errors_become_errnos(mount_factory, tmp_path):
    m = mount_factory(f"lv={LV}", node_names=["lv"])
    n = m.node("lv")
    # "Requested operation is not valid: Domain is already running" (OPERATION_INVALID)
    write_fails(n / "domains/test/state", "start", errno.EBUSY)
    assert_error(n / "domains/test", errno.EBUSY)
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain type='test'><name>x</name><memory>nope</memory></domain>")
    fails(run(["cp", bad, n / "domains/"]), errno.EINVAL)
    assert "x" not in ls(n / "domains")
    # a name taken with another uuid: "already exists" (libvirt's words -> EEXIST)
    dup = tmp_path / "dup.xml"
    dup.write_text("<domain type='test'><name>test</name>"
                   "<uuid>11111111-2222-3333-4444-555555555555</uuid>"
                   "<memory>1024</memory><os><type>hvm</type></os></domain>")
    fails(run(["cp", dup, n / "domains/"]), errno.EEXIST)
    assert cat(n / "domains/test/uuid").strip() != "11111111-2222-3333-4444-555555555555"


def test_plain_libvirt_hypervisor_uris_fall_back(mount_factory):
    """vbox:/// and xen:/// have no driver here: the libvirt driver takes them;
    libvirt finds no daemon for them on this machine, so the nodes are away
    (ENOTCONN at once) and say why."""
    m = mount_factory("vb=vbox:///session", "xen=xen:///system", "t=test:///default",
                      node_names=["t"])
    for name in ("vb", "xen"):
        n = m.node(name)
        info = kv(cat(n / "node/info"))
        assert info["driver"] == "libvirt", info
        assert info["connected"].startswith("no ("), info
        t0 = time.monotonic()
        try:
            os.listdir(n / "domains")
            raise AssertionError(f"{name}: listing an away node worked")
        except OSError as e:
            assert e.errno == errno.ENOTCONN
        assert time.monotonic() - t0 < 1.0
    # test:/// is still ours, not libvirt's
    assert kv(cat(m.node("t") / "node/info"))["driver"] == "test"


def test_a_libvirt_uri_that_names_nothing_fails_the_mount(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run([os.environ.get("HYPERFS", "build/hyperfs"), "-f", "-c", "x=libvirt:",
                        str(mnt)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and not os.path.ismount(mnt), r.stderr
    assert "names no libvirt URI" in r.stderr, r.stderr


def test_an_unknown_libvirt_scheme_is_away(mount_factory):
    """libvirt hands a scheme none of its drivers knows to its remote driver,
    which finds no libvirtd here: the node is away, as any absent peer is."""
    m = mount_factory("x=libvirt:nosuchdriver:///x", "t=test:///default", node_names=["t"])
    assert "Failed to connect socket" in cat(m.node("x") / "node/info")


def test_peer_away_and_back(tmp_path, mount_factory):
    """Through libvirt's own remote client to hyperfsd: the daemon stops, libvirt
    closes the connection, the node answers ENOTCONN at once and says why; the
    daemon comes back on the same socket and so does the node, by itself."""
    d = Hyperfsd(tmp_path / "d", "unix")
    d.start()
    try:
        m = mount_factory(f"h=libvirt:test+unix:///default?socket={d.sock}", node_names=["h"])
        n = m.node("h")
        assert state(n / "domains/test") == "running"
        assert d.stop() == []
        assert wait_for(lambda: kv(cat(n / "node/info"))["connected"].startswith("no"), BOUND_S)
        t0 = time.monotonic()
        try:
            os.listdir(n / "domains")
            raise AssertionError("listing worked while hyperfsd was down")
        except OSError as e:
            assert e.errno == errno.ENOTCONN
        assert time.monotonic() - t0 < 1.0
        d.start()
        assert wait_for(lambda: "test" in os.listdir(n / "domains"), BOUND_S), cat(n / "node/info")
        assert kv(cat(n / "node/info"))["connected"] == "yes"
        assert state(n / "domains/test") == "running"
    finally:
        if d.alive():
            assert d.stop() == []


def test_interfaces_and_node_devices_as_libvirt_lists_them(mount_factory, tmp_path):
    """interfaces/ and node/devices/ through the libvirt driver show what virsh
    shows of libvirt's own test:///default (a fresh instance each connection)."""
    m = mount_factory(f"lv={LV}", node_names=["lv"])
    n = m.node("lv")
    want = sorted(l.split()[0] for l in ok(virsh("iface-list", "--all")).stdout.splitlines())
    assert ls(n / "interfaces") == want == ["eth1"]
    assert cat(n / "interfaces/eth1/state") == "active\n"
    assert cat(n / "interfaces/eth1/mac") == ok(virsh("iface-mac", "eth1")).stdout.strip() + "\n"
    write_ok(n / "interfaces/eth1/state", "stop")
    assert cat(n / "interfaces/eth1/state") == "inactive\n"
    write_fails(n / "interfaces/eth1/state", "stop", errno.EBUSY)
    write_ok(n / "interfaces/eth1/state", "start")
    # virsh nodedev-list passes a flag libvirt 9.0's test driver refuses: its binding
    py = ("import libvirt; c = libvirt.open('test:///default')\n"
          "for d in c.listAllDevices(0): print(d.name(), d.parent() or '-', ','.join(d.listCaps()))")
    got = ok(run(["/usr/bin/python3", "-c", py])).stdout.split("\n")
    devs = {l.split()[0]: l.split()[1:] for l in got if l}
    assert ls(n / "node/devices") == sorted(devs) and "computer" in devs
    for d, (parent, caps) in devs.items():
        assert cat(n / f"node/devices/{d}/parent") == ("" if parent == "-" else parent + "\n")
        assert cat(n / f"node/devices/{d}/capabilities") == "".join(c + "\n" for c in caps.split(","))
    assert cat(n / "node/devices/computer/config.xml").startswith("<device>")


def test_graphics_passwd_kept_through_an_edit(mount_factory, tmp_path):
    """libvirt hides a graphics passwd unless asked with VIR_DOMAIN_XML_SECURE:
    the driver asks on a read-write mount, so config.xml holds it (owner-only)
    and an edit with sed keeps it."""
    m = mount_factory(f"lv={LV}", node_names=["lv"])
    doc = tmp_path / "gfx.xml"
    doc.write_text("<domain type='test'><name>gfx</name><memory>65536</memory>"
                   "<os><type>hvm</type></os><devices>"
                   "<graphics type='vnc' port='-1' passwd='s3cret'/></devices></domain>")
    ok(run(["cp", str(doc), str(m.node("lv") / "domains")]))
    d = m.node("lv") / "domains/gfx"
    assert "passwd='s3cret'" in cat(d / "config.xml")
    ok(run(["sed", "-i", "s/65536/131072/", str(d / "config.xml")]))
    xml = cat(d / "config.xml")
    assert "131072" in xml and "passwd='s3cret'" in xml
