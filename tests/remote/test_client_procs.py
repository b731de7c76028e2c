"""test_client_procs.py: what real clients call beyond the basics, with virsh
and virtinst against hyperfsd's test:///default beside libvirt's in-process
one: node devices (nodedev-list, -info, -dumpxml as libvirt's test driver
answers them), domain metadata (desc, title, custom elements: set, read,
removed, refused), domain job info ("not supported" as libvirt's, "no job"
with extras=jobs), domcapabilities (libvirt's test driver supports none, and
neither does hyperfs's), virt-install --import and virt-clone, which need no
procedure hyperfsd lacks, virt-xml edits (each answer as in-process; the
edit shows in dumpxml and in a mount's config.xml), and the
Python calls of the host and guests (typed parameters, CPU models, free
memory, capabilities, checkpoints, and the not-supported ones) with the same
answers or errors as in-process."""
import shutil
import subprocess
import sys

import pytest

from .hfd import virsh

LOCAL = "test:///default"


def both(daemon, *cmd):
    """The same virsh command on libvirt's node and on hyperfsd's: (rc, out, err) each."""
    out = []
    for u in (LOCAL, daemon.uri):
        r = subprocess.run(["virsh", "-q", "-c", u, *cmd], capture_output=True, text=True,
                           timeout=60)
        out.append((r.returncode, r.stdout, r.stderr))
    return out


@pytest.mark.parametrize("cmd", [
    "nodedev-dumpxml computer", "nodedev-dumpxml scsi_host1", "nodedev-dumpxml scsi_host11",
    "nodedev-info scsi_host11", "nodedev-info computer", "nodedev-dumpxml nosuch",
    "nodedev-list", "nodedev-list --tree", "nodedev-list --cap scsi_host",
])
def test_nodedev_as_libvirt(daemon, cmd):
    a, b = both(daemon, *cmd.split())
    assert a == b


def test_nodedev_python_lists(daemon):
    """The calls virsh does not make (the old list calls, caps, parents)."""
    import libvirt  # python3-libvirt (tools/install-deps)

    res = []
    for u in (LOCAL, daemon.uri):
        c = libvirt.open(u)
        try:
            res.append((sorted(c.listDevices(None, 0)), c.numOfDevices("scsi_host", 0),
                        sorted(d.name() for d in c.listAllDevices(32)),  # CAP_SCSI_HOST
                        c.nodeDeviceLookupByName("scsi_host1").listCaps(),
                        c.nodeDeviceLookupByName("scsi_host11").parent(),
                        c.nodeDeviceLookupByName("computer").parent()))
        finally:
            c.close()
    assert res[0] == res[1]


def test_metadata(daemon):
    u = daemon.uri
    for cmd in (["desc", "test"], ["desc", "--title", "test"],
                ["metadata", "test", "--uri", "http://example.com/"]):
        assert both(daemon, *cmd)[0] == both(daemon, *cmd)[1]
    virsh(u, "desc", "test", "--config", "--new-desc", "a web server")
    virsh(u, "desc", "test", "--config", "--title", "--new-desc", "web1")
    assert virsh(u, "desc", "test", "--config").stdout.strip() == "a web server"
    assert virsh(u, "desc", "test", "--config", "--title").stdout.strip() == "web1"
    # the persistent definition holds them (a running domain shows them once it restarts)
    assert "<title>web1</title>" in virsh(u, "dumpxml", "--inactive", "test").stdout
    virsh(u, "metadata", "test", "--config", "--uri", "http://example.com/", "--key", "ex",
          "--set", "<app role='db'>v1</app>")
    got = virsh(u, "metadata", "test", "--config", "--uri", "http://example.com/").stdout
    assert got.strip() == '<app role="db">v1</app>'
    xml = virsh(u, "dumpxml", "--inactive", "test").stdout
    assert "xmlns:ex='http://example.com/'" in xml and "<ex:app" in xml
    before = virsh(u, "dumpxml", "--inactive", "test").stdout
    r = virsh(u, "metadata", "test", "--config", "--uri", "http://example.com/", "--key", "ex",
              "--set", "<app", check=False)
    assert r.returncode != 0 and "not well-formed" in r.stderr
    assert virsh(u, "dumpxml", "--inactive", "test").stdout == before  # nothing changed
    virsh(u, "metadata", "test", "--config", "--uri", "http://example.com/", "--remove")
    r = virsh(u, "metadata", "test", "--config", "--uri", "http://example.com/", check=False)
    assert r.returncode != 0 and "metadata not found: Requested metadata element is not " \
        "present" in r.stderr
    r = virsh(daemon.uri_ro, "desc", "test", "--config", "--new-desc", "x", check=False)
    assert r.returncode != 0 and "read only access prevents virDomainSetMetadata" in r.stderr


def test_jobinfo_and_domcapabilities(daemon):
    # jobs are an extra of hyperfs's test node (libvirt's test driver has no job calls)
    a, b = both(daemon, "domjobinfo", "test")
    assert a == b and "virDomainGetJobInfo" in a[2], (a, b)
    ex = daemon.uri_with("extras=jobs")
    out = virsh(ex, "domjobinfo", "test").stdout
    assert out.split() == ["Job", "type:", "None"]
    assert virsh(ex, "domjobinfo", "test", "--completed").stdout.split()[-1] == "None"
    a, b = both(daemon, "domcapabilities")
    assert a == b  # not supported by either test driver, in libvirt's words


@pytest.mark.skipif(not shutil.which("virt-install"), reason="needs virtinst (tools/install-deps)")
def test_virt_install_import_and_clone(daemon):
    u = daemon.uri
    virsh(u, "vol-create-as", "default-pool", "disk1.img", "1G")  # libvirt's pool is empty
    r = subprocess.run(["virt-install", "--connect", u, "--name", "vi1", "--memory", "128",
                        "--import", "--disk", "/default-pool/disk1.img", "--osinfo", "generic",
                        "--noautoconsole", "--graphics", "none"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert virsh(u, "domstate", "vi1").stdout.strip() == "running"
    assert "/default-pool/disk1.img" in virsh(u, "dumpxml", "vi1").stdout
    virsh(u, "destroy", "vi1")
    r = subprocess.run(["virt-clone", "--connect", u, "--original", "vi1", "--name", "vi2",
                        "--auto-clone"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "disk1-clone.img" in virsh(u, "vol-list", "default-pool").stdout  # copied
    assert "/default-pool/disk1-clone.img" in virsh(u, "dumpxml", "vi2").stdout
    assert virsh(u, "domstate", "vi2").stdout.strip() == "shut off"


# Lifecycle events of a run of verbs, in order, until the last one's (destroy:
# stopped destroyed) arrives; in a process of its own (one event loop each).
EVENTS_SCRIPT = r"""
import sys, threading, libvirt
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
seen, last = [], threading.Event()

def on_event(conn, d, e, det, o):
    seen.append((d.name(), e, det))
    if seen[-1] == ("test", 5, 1):
        last.set()

c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None)
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
d = c.lookupByName("test")
d.suspend(); d.resume(); d.shutdown(); d.create(); d.reboot(0); d.destroy()
last.wait(20)
print(seen)
"""


def test_lifecycle_events_in_libvirts_order(daemon):
    """Suspend, resume, shutdown (at once: stopped shutdown alone), start, reboot
    and destroy send libvirt's lifecycle events in libvirt's order."""
    out = []
    for u in (LOCAL, daemon.uri):
        r = subprocess.run([sys.executable, "-c", EVENTS_SCRIPT, u], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        out.append(r.stdout)
    assert out[0] == out[1], out
    assert "('test', 5, 0)" in out[0] and "('test', 6, 0)" not in out[0]


VIRT_XML = [  # each with the same answer as in-process (a fresh node per virt-xml there)
    ["--edit", "--memory", "256"],
    ["--add-device", "--disk", "/default-pool/extra.img,size=1"],
    ["--edit", "--vcpus", "1"],
    ["--edit", "--metadata", "title=edited by virt-xml"],
    ["--edit", "--memory", "256", "--update"],  # refused by virt-xml itself
    ["--add-device", "--disk", "/default-pool/hot.img,size=1", "--update"],  # no hotplug
]


@pytest.mark.skipif(not shutil.which("virt-xml"), reason="needs virtinst (tools/install-deps)")
def test_virt_xml_edits(daemon, mount_factory):
    def virt_xml(u, args):
        r = subprocess.run(["virt-xml", "--connect", u, "test", *args], capture_output=True,
                           text=True, timeout=120)
        return r.returncode, r.stdout.replace("\r", ""), r.stderr

    for args in VIRT_XML:
        a, b = virt_xml(LOCAL, args), virt_xml(daemon.uri, args)
        assert a == b, f"virt-xml {' '.join(args)}\n  libvirt: {a}\n  hyperfsd: {b}"
    xml = virsh(daemon.uri, "dumpxml", "--inactive", "test").stdout
    assert "<currentMemory unit='KiB'>262144</currentMemory>" in xml
    assert "<source file='/default-pool/extra.img'/>" in xml
    assert "<vcpu placement='static'>1</vcpu>" in xml
    assert "<title>edited by virt-xml</title>" in xml
    assert "hot.img" not in xml  # the refused hotplug changed nothing
    assert "extra.img" in virsh(daemon.uri, "vol-list", "default-pool").stdout  # allocated
    # the running guest keeps its live definition until it restarts
    assert "<currentMemory unit='KiB'>2097152</currentMemory>" in \
        virsh(daemon.uri, "dumpxml", "test").stdout
    node = mount_factory(f"lab={daemon.uri}").node("lab")
    cfg = (node / "domains/test/config.xml").read_text()
    assert "<source file='/default-pool/extra.img'/>" in cfg
    assert "<currentMemory unit='KiB'>262144</currentMemory>" in cfg


# (name, call on a connection): the calls of the host and the guests that virsh
# words in its own way or does not make; errors compared by their text
PY_CALLS = [
    ("sched-flags", lambda c: c.lookupByName("test").schedulerParametersFlags(0)),
    ("memory-params", lambda c: c.lookupByName("test").memoryParameters(0)),
    ("numa-params", lambda c: c.lookupByName("test").numaParameters(0)),
    ("perf", lambda c: c.lookupByName("test").perfEvents(0)),
    ("guest-info", lambda c: c.lookupByName("test").guestInfo(0, 0)),
    ("launch-security", lambda c: c.lookupByName("test").launchSecurityInfo(0)),
    ("fs-info", lambda c: c.lookupByName("test").fsInfo(0)),
    ("node-memory-params", lambda c: c.getMemoryParameters(0)),
    ("node-memory-stats", lambda c: c.getMemoryStats(-1, 0)),
    ("sev", lambda c: c.getSEVInfo(0)),
    ("cpu-models", lambda c: c.getCPUModelNames("x86_64", 0)),
    ("cpu-models-ppc", lambda c: c.getCPUModelNames("ppc64le", 0)),
    ("free-memory", lambda c: c.getFreeMemory()),
    ("cells-free-memory", lambda c: c.getCellsFreeMemory(0, 2)),
    ("capabilities", lambda c: c.getCapabilities()),
    ("checkpoints", lambda c: c.lookupByName("test").listAllCheckpoints(0)),
    ("pool-capabilities", lambda c: c.getStoragePoolCapabilities(0)),
    ("block-stats-flags", lambda c: c.lookupByName("test").blockStatsFlags("vda", 0)),
    ("security-label-list", lambda c: c.lookupByName("test").securityLabelList()),
    ("nodedev-detach-flags",
     lambda c: c.nodeDeviceLookupByName("computer").detachFlags("vfio", 0)),
    ("create-with-files", lambda c: (c.lookupByName("test").destroy(),
                                     c.lookupByName("test").createWithFiles([], 0),
                                     c.lookupByName("test").state(0))),
    ("create-with-files-flags", lambda c: (c.lookupByName("test").destroy(),
                                           c.lookupByName("test").createWithFiles([], 1))),
    ("memory-peek", lambda c: [c.lookupByName("test").memoryPeek(s, n, f)
                               for s, n, f in ((0, 16, 1), (250, 10, 2), (2**40 + 5, 3, 1))]),
    ("memory-peek-flags", lambda c: c.lookupByName("test").memoryPeek(0, 4, 0)),
    ("memory-peek-shut-off", lambda c: (c.lookupByName("test").destroy(),
                                        c.lookupByName("test").memoryPeek(0, 4, 1))),
    ("hostname-of-another", lambda c: c.createXML(
        "<domain type='test'><name>h2</name><memory>1024</memory><os><type>hvm</type></os>"
        "</domain>", 0).hostname(0)),
    ("iothread-stats",
     lambda c: (c.lookupByName("test").addIOThread(4, 0),
                c.getAllDomainStats(0x81)[0][1],  # state and iothread
                c.domainListGetStats([c.lookupByName("test")], 0x80, 0x10)[0][1],
                c.lookupByName("test").delIOThread(4, 0))),
]


@pytest.mark.parametrize("name,call", PY_CALLS, ids=[n for n, _ in PY_CALLS])
def test_python_calls_as_libvirt(daemon, name, call):
    import libvirt  # python3-libvirt (tools/install-deps)

    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    out = []
    for u in (LOCAL, daemon.uri):
        c = libvirt.open(u)
        try:
            out.append(("ok", call(c)))
        except libvirt.libvirtError as e:
            out.append(("error", e.get_error_code(), str(e)))
        finally:
            c.close()
    assert out[0] == out[1]
