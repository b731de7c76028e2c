"""test_virsh.py: a real virsh drives hyperfsd serving test:///default over
unix, tcp and the read-only socket; answers are compared with virsh's own
test:///default where the objects match libvirt's default test node."""
import re
import subprocess
import time

from .hfd import virsh

LOCAL = "test:///default"
SAME_KEYS = ["Id", "Name", "UUID", "State", "CPU(s)", "Max memory", "Used memory",
             "Persistent", "Autostart", "Managed save"]


def fields(text):
    out = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def test_list_all_matches_libvirt(daemon):
    local = virsh(LOCAL, "list", "--all").stdout
    assert virsh(daemon.uri, "list", "--all").stdout == local
    assert virsh(daemon.uri_tcp, "list", "--all").stdout == local


def test_dominfo_matches_libvirt(daemon):
    remote = fields(virsh(daemon.uri, "dominfo", "test").stdout)
    local = fields(virsh(LOCAL, "dominfo", "test").stdout)
    for k in SAME_KEYS:
        assert remote.get(k) == local.get(k), k


def test_domstate_and_dumpxml(daemon):
    assert virsh(daemon.uri, "domstate", "test").stdout.strip() == "running"
    assert virsh(daemon.uri, "domstate", "--reason", "test").stdout.strip() == "running (unknown)"
    xml = virsh(daemon.uri, "dumpxml", "test").stdout
    assert "<name>test</name>" in xml
    assert "<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>" in xml
    assert virsh(daemon.uri, "domid", "test").stdout.strip() == "1"
    assert virsh(daemon.uri, "domname", "1").stdout.strip() == "test"
    assert virsh(daemon.uri, "domname", "6695eb01-f6a4-8304-79aa-97f2502e193f").stdout.strip() == "test"


def test_lifecycle_verbs(daemon):
    u = daemon.uri
    virsh(u, "suspend", "test")
    assert virsh(u, "domstate", "test").stdout.strip() == "paused"
    virsh(u, "resume", "test")
    assert virsh(u, "domstate", "test").stdout.strip() == "running"
    virsh(u, "destroy", "test")
    assert virsh(u, "domstate", "--reason", "test").stdout.strip() == "shut off (destroyed)"
    assert virsh(u, "list").stdout.strip() == ""
    virsh(u, "start", "test")
    assert virsh(daemon.uri_tcp, "domstate", "test").stdout.strip() == "running"
    virsh(u, "reboot", "test")
    virsh(u, "reset", "test")
    r = virsh(u, "resume", "test", check=False)
    assert r.returncode != 0 and "not paused" in r.stderr


def test_define_undefine(daemon, tmp_path):
    xml = virsh(daemon.uri, "dumpxml", "test").stdout
    xml = re.sub(r"<uuid>.*</uuid>", "", xml).replace("<name>test</name>", "<name>vm2</name>")
    f = tmp_path / "vm2.xml"
    f.write_text(xml)
    virsh(daemon.uri, "define", str(f))
    assert "vm2" in virsh(daemon.uri, "list", "--all").stdout
    assert virsh(daemon.uri, "domstate", "vm2").stdout.strip() == "shut off"
    virsh(daemon.uri, "undefine", "vm2")
    r = virsh(daemon.uri, "domstate", "vm2", check=False)
    assert r.returncode != 0 and "failed to get domain 'vm2'" in r.stderr


def test_settings(daemon):
    u = daemon.uri
    virsh(u, "setmem", "test", "1G")
    assert fields(virsh(u, "dominfo", "test").stdout)["Used memory"] == "1048576 KiB"
    virsh(u, "setvcpus", "test", "1", "--live")
    assert virsh(u, "vcpucount", "test", "--live", "--current").stdout.strip() == "1"
    virsh(u, "autostart", "test")
    assert fields(virsh(u, "dominfo", "test").stdout)["Autostart"] == "enable"
    virsh(u, "autostart", "--disable", "test")
    assert fields(virsh(u, "dominfo", "test").stdout)["Autostart"] == "disable"


def test_node_queries(daemon):
    assert virsh(daemon.uri, "hostname").stdout.strip()
    assert "<capabilities>" in virsh(daemon.uri, "capabilities").stdout
    info = fields(virsh(daemon.uri, "nodeinfo").stdout)
    local = fields(virsh(LOCAL, "nodeinfo").stdout)
    assert info["CPU(s)"] == local["CPU(s)"]
    assert info["Memory size"] == local["Memory size"]
    assert "Running hypervisor: TEST" in virsh(daemon.uri, "version").stdout


def test_networks_pools_volumes(daemon):
    for args in (["net-list", "--all"], ["pool-list", "--all"]):
        assert virsh(daemon.uri, *args).stdout == virsh(LOCAL, *args).stdout, args
    # libvirt's default pool is empty, and so is hyperfs's unless extras=volumes
    assert virsh(daemon.uri, "vol-list", "default-pool").stdout == \
        virsh(LOCAL, "vol-list", "default-pool").stdout
    ex = daemon.uri_with("extras=volumes")
    vols = virsh(ex, "vol-list", "default-pool").stdout.split()
    assert vols == ["disk1.img", "/default-pool/disk1.img", "disk2.qcow2",
                    "/default-pool/disk2.qcow2"]
    assert virsh(ex, "vol-path", "--pool", "default-pool", "disk1.img").stdout.strip() \
        == "/default-pool/disk1.img"
    xml = virsh(daemon.uri, "net-dumpxml", "default").stdout
    assert "<name>default</name>" in xml
    assert "<name>default-pool</name>" in virsh(daemon.uri, "pool-dumpxml", "default-pool").stdout


def test_read_only_socket(daemon):
    assert "test" in virsh(daemon.uri_ro, "list", "--all").stdout
    for args in (["suspend", "test"], ["destroy", "test"], ["setmem", "test", "1G"],
                 ["autostart", "test"], ["undefine", "test"]):
        r = virsh(daemon.uri_ro, *args, check=False)
        assert r.returncode != 0, args
        assert "operation forbidden: read only access" in r.stderr, (args, r.stderr)
    assert virsh(daemon.uri, "domstate", "test").stdout.strip() == "running"
    # virsh -r on the read-write socket is read-only too
    r = subprocess.run(["virsh", "-r", "-c", daemon.uri, "suspend", "test"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "read only access" in r.stderr


def test_events(daemon):
    ev = subprocess.Popen(["virsh", "-c", daemon.uri_tcp, "event", "--all", "--loop",
                           "--timeout", "5"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        virsh(daemon.uri, "suspend", "test")
        virsh(daemon.uri, "resume", "test")
        virsh(daemon.uri, "destroy", "test")
        out, _ = ev.communicate(timeout=20)
    finally:
        ev.kill()
        ev.wait()
    assert "event 'lifecycle' for domain 'test': Suspended Paused" in out
    assert "event 'lifecycle' for domain 'test': Resumed Unpaused" in out
    assert "event 'lifecycle' for domain 'test': Stopped Destroyed" in out
