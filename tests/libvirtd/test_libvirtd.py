"""hyperfs mounting a real libvirtd (libvirt's test driver, test:///default):
over unix and tcp, the tree agrees with virsh on the same daemon, writes through
the tree are seen by virsh, and virsh's changes show in the tree and in events.

test:///default is one instance inside libvirtd while any connection to it is
open: the mount holds one, so virsh sees the mount's objects; once the test's
mounts are gone it starts fresh for the next test."""
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

from helpers.tools import EventWait, cat, kv, ls, ok, read_token, run, state, write_ok

from helpers.peers import Libvirtd

from .conftest import virsh


def uris(lv):
    return (f"test+unix:///default?socket={lv.sock}",
            f"test+tcp://127.0.0.1:{lv.TCP_PORT}/default")


def virsh_names(uri, *args):
    return sorted(virsh(uri, *args, "--name").stdout.split())


def table(text):
    """virsh's column output -> rows of fields."""
    return [l.split() for l in text.splitlines() if l.strip()]


def test_mount_over_unix_and_tcp(lv_mount, libvirtd):
    unix, tcp = uris(libvirtd)
    m = lv_mount(f"u={unix}", f"t={tcp}", tcp=True)
    assert ls(m.path) == ["t", "u"]
    for n in ("u", "t"):
        info = kv(cat(m.path / n / "node/info"))
        assert info["driver"] == "remote" and info["connected"] == "yes", info
        assert ls(m.path / n / "domains") == ["test"]
        assert state(m.path / n / "domains/test") == "running"
    # one libvirt instance behind both nodes: a change through one shows in the other
    with EventWait(m.path / "t", r" domain test suspended paused$") as w:
        write_ok(m.path / "u/domains/test/state", "suspend")
    assert len(w.lines) == 1
    assert state(m.path / "t/domains/test") == "paused"


def test_tree_agrees_with_virsh(lv_mount, libvirtd):
    uri = uris(libvirtd)[0]
    n = lv_mount(f"lv={uri}").path / "lv"
    assert ls(n / "domains") == virsh_names(uri, "list", "--all")
    assert ls(n / "networks") == virsh_names(uri, "net-list", "--all")
    assert ls(n / "pools") == virsh_names(uri, "pool-list", "--all")
    vols = [r[0] for r in table(virsh(uri, "vol-list", "default-pool").stdout)]
    assert ls(n / "pools/default-pool/volumes") == sorted(vols)

    d = n / "domains/test"
    info = kv(cat(d / "info"))
    vi = dict(l.split(":", 1) for l in virsh(uri, "dominfo", "test").stdout.splitlines() if ":" in l)
    vi = {k.strip(): v.strip() for k, v in vi.items()}
    assert info["id"] == vi["Id"] == read_token(d / "id")
    assert info["uuid"] == vi["UUID"] == read_token(d / "uuid")
    assert info["os-type"] == vi["OS Type"]
    assert {"running": "running", "paused": "paused"}[info["state"]] == vi["State"]
    assert info["cpus"] == vi["CPU(s)"] == read_token(d / "vcpus")
    assert f"{info['max-memory-kib']} KiB" == vi["Max memory"]
    assert f"{info['memory-kib']} KiB" == vi["Used memory"]
    assert info["persistent"] == vi["Persistent"]
    assert virsh(uri, "domstate", "test").stdout.strip() == state(d)

    # config.xml means what virsh dumpxml --inactive says
    mine = ET.fromstring(cat(d / "config.xml"))
    theirs = ET.fromstring(virsh(uri, "dumpxml", "--inactive", "test").stdout)
    for path in ("name", "uuid", "memory", "currentMemory", "vcpu", "os/type",
                 "devices/disk/source", "devices/interface/mac"):
        a, b = mine.find(path), theirs.find(path)
        assert a is not None and b is not None, path
        assert (a.text, a.attrib) == (b.text, b.attrib), path
    live = ET.fromstring(cat(d / "live.xml"))
    assert live.get("id") == ET.fromstring(virsh(uri, "dumpxml", "test").stdout).get("id")

    net = kv(cat(n / "networks/default/info"))
    row = table(virsh(uri, "net-list", "--all").stdout)[0]
    assert (net["name"], net["active"], net["persistent"]) == \
        (row[0], {"active": "yes", "inactive": "no"}[row[1]], row[3])
    assert read_token(n / "networks/default/bridge") == \
        virsh(uri, "net-info", "default").stdout.split("Bridge:")[1].split()[0]
    pool = kv(cat(n / "pools/default-pool/info"))
    row = table(virsh(uri, "pool-list", "--all").stdout)[0]
    assert (pool["name"], pool["state"]) == (row[0], row[1])
    for v in vols:
        path = virsh(uri, "vol-path", "--pool", "default-pool", v).stdout.strip()
        assert read_token(n / f"pools/default-pool/volumes/{v}/path") == path


def test_writes_through_the_tree_are_seen_by_virsh(lv_mount, libvirtd, tmp_path):
    uri = uris(libvirtd)[0]
    n = lv_mount(f"lv={uri}").path / "lv"
    d = n / "domains/test"
    write_ok(d / "state", "suspend")
    assert virsh(uri, "domstate", "test").stdout.strip() == "paused"
    write_ok(d / "state", "resume")
    assert virsh(uri, "domstate", "test").stdout.strip() == "running"
    write_ok(d / "memory", "2G")
    assert read_token(d / "memory") == str(2 << 20)
    vi = virsh(uri, "dominfo", "test").stdout
    assert re.search(rf"Used memory:\s+{2 << 20} KiB", vi), vi
    # the persistent definition changed too (live and config, like setmem --live --config)
    conf = ET.fromstring(virsh(uri, "dumpxml", "--inactive", "test").stdout)
    assert conf.findtext("currentMemory") == str(2 << 20)
    write_ok(d / "autostart", "1")
    assert "Autostart:      enable" in virsh(uri, "dominfo", "test").stdout

    src = tmp_path / "vm.xml"
    src.write_text("<domain type='test'>\n  <name>vm</name>\n  <memory unit='KiB'>65536</memory>\n"
                   "  <vcpu>1</vcpu>\n  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n")
    ok(run(["cp", src, n / "domains/"]))
    assert "vm" in virsh_names(uri, "list", "--all")
    assert virsh(uri, "domstate", "vm").stdout.strip() == "shut off"
    write_ok(n / "domains/vm/state", "start")
    assert virsh(uri, "domstate", "vm").stdout.strip() == "running"
    write_ok(n / "domains/vm/state", "destroy")
    ok(run(["rmdir", n / "domains/vm"]))
    assert "vm" not in virsh_names(uri, "list", "--all")
    assert "vm" not in ls(n / "domains")

    write_ok(n / "networks/default/state", "stop")
    assert table(virsh(uri, "net-list", "--all").stdout)[0][1] == "inactive"
    write_ok(n / "networks/default/state", "start")
    assert table(virsh(uri, "net-list", "--all").stdout)[0][1] == "active"


def test_virsh_changes_show_in_the_tree_and_events(lv_mount, libvirtd, tmp_path):
    uri = uris(libvirtd)[0]
    n = lv_mount(f"lv={uri}").path / "lv"
    d = n / "domains/test"
    assert state(d) == "running"  # cached now: the change must come by event
    with EventWait(n, r" domain test suspended paused$") as w:
        virsh(uri, "suspend", "test")
    assert w.lines
    assert state(d) == "paused"
    with EventWait(n, r" domain test resumed unpaused$"):
        virsh(uri, "resume", "test")
    assert state(d) == "running"

    src = tmp_path / "v2.xml"
    src.write_text("<domain type='test'>\n  <name>v2</name>\n  <memory unit='KiB'>65536</memory>\n"
                   "  <vcpu>1</vcpu>\n  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n")
    with EventWait(n, r" domain v2 defined added$"):
        virsh(uri, "define", str(src))
    assert "v2" in ls(n / "domains")
    with EventWait(n, r" domain v2 started booted$"):
        virsh(uri, "start", "v2")
    assert state(n / "domains/v2") == "running"
    with EventWait(n, r" domain v2 stopped destroyed$"):
        virsh(uri, "destroy", "v2")
    with EventWait(n, r" domain v2 undefined removed$"):
        virsh(uri, "undefine", "v2")
    assert "v2" not in ls(n / "domains")


def test_keepalive_pings_of_libvirtd_are_answered(lv_mount, tmp_path):
    """A private libvirtd that pings after 1 s of silence and drops a client
    after 2 unanswered pings (keepalive_interval = 1, keepalive_count = 2;
    hyperfs itself pings only after 5 s): a mount idle for 12 s stays connected
    on its first session, so hyperfs answered every PING with a PONG."""
    lv = Libvirtd(tmp_path / "lv-keepalive", extra_conf="keepalive_interval = 1\n"
                                                        "keepalive_count = 2\n")
    lv.start()
    try:
        uri = f"test+unix:///default?socket={lv.sock}"
        m = lv_mount(f"lv={uri}")
        n = m.path / "lv"
        assert state(n / "domains/test") == "running"
        fd = os.open(n / "events", os.O_RDONLY | os.O_NONBLOCK)
        try:
            time.sleep(12)
            info = kv(cat(n / "node/info"))
            assert info["connected"] == "yes", info
            try:
                seen = os.read(fd, 65536).decode()
            except BlockingIOError:
                seen = ""
        finally:
            os.close(fd)
        # a dropped session would show as "node lv disconnected" then "connected"
        assert " node " not in seen, f"the session was dropped: {seen}"
        assert virsh(uri, "domstate", "test").stdout.strip() == "running"
        m.stop()
    finally:
        lv.stop()


def test_read_only_socket_refuses_writes(lv_mount, libvirtd):
    m = lv_mount(f"ro=test+unix:///default?socket={libvirtd.sock_ro}")
    d = m.path / "ro/domains/test"
    assert state(d) == "running"
    r = run(["bash", "-c", 'echo suspend > "$1"', "sh", d / "state"])
    assert r.returncode != 0 and ("Permission denied" in r.stderr
                                  or "Read-only" in r.stderr), r
    assert state(d) == "running"
