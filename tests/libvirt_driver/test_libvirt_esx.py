"""test_libvirt_esx.py: VMware ESX (and vCenter) through libvirt's esx driver,
against govmomi's simulator vcsim built from Debian's packages with the
fixes of ../shared/recipes/vcsim-lv.go (built here straight from there, into
/var/tmp/hyperfs-vcsim so later runs take a second). Skipped cleanly where
the recipe, go or govmomi's sources are absent (tools/install-deps installs
golang-go and golang-github-vmware-govmomi-dev).

What the simulator lacks (docs/drivers.md says the same): it ignores uploaded
.vmx files (a defined domain's memory and uuid are the simulator's own), lists
no volumes in its datastores, and libvirt's esx driver has no events and no
statistics (ENOTSUP), and cannot change the vCPUs of a running VM."""
import errno
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers.peers import free_port
from helpers.tools import EventWait, cat, fails, kv, ls, ok, run, state, write_ok

# ../shared/recipes beside the checkout (HV_RECIPES elsewhere)
RECIPES = Path(os.environ.get("HV_RECIPES")
               or Path(__file__).resolve().parents[3] / "shared" / "recipes")
GOVMOMI = Path("/usr/share/gocode/src/github.com/vmware/govmomi")
WORK = Path("/var/tmp/hyperfs-vcsim")


def _unavailable():
    if not (RECIPES / "vcsim-lv.go").exists():
        return f"no {RECIPES}/vcsim-lv.go (the shared recipes are absent)"
    if shutil.which("go") is None:
        return "go is not installed (apt-get install golang-go)"
    if not GOVMOMI.exists():
        return "govmomi's sources are not installed (apt-get install golang-github-vmware-govmomi-dev)"
    return None


if _unavailable():
    pytest.skip(_unavailable(), allow_module_level=True)


def build():
    src = WORK / "src/vcsimlv"
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(RECIPES / "vcsim-lv.go", src / "main.go")
    env = dict(os.environ, GO111MODULE="off", GOPATH=f"{WORK}:/usr/share/gocode",
               GOCACHE=str(WORK / "cache"))
    r = subprocess.run(["go", "build", "-o", str(WORK / "vcsim-lv"), "vcsimlv"], env=env,
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        pytest.fail(f"building vcsim-lv failed:\n{r.stderr}", pytrace=False)
    return WORK / "vcsim-lv"


@pytest.fixture(scope="module")
def vcsim(tmp_path_factory):
    exe = build()
    d = tmp_path_factory.mktemp("vcsim")
    port = free_port()
    log = d / "vcsim.log"
    with open(log, "w") as f:
        p = subprocess.Popen([str(exe), "-l", f"127.0.0.1:{port}"], stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while "VCSIM-READY" not in log.read_text():
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            pytest.fail(f"vcsim did not start:\n{log.read_text()}", pytrace=False)
        time.sleep(0.05)
    auth = d / "auth.conf"
    auth.write_text("[credentials-vcsim]\nusername=user\npassword=pass\n"
                    "[auth-esx-127.0.0.1]\ncredentials=vcsim\n")
    yield {"uri": f"esx://127.0.0.1:{port}/?no_verify=1", "auth": auth}
    p.terminate()  # SIGTERM: vcsim removes its /tmp/govcsim-* folders
    p.wait(30)


def virsh(vcsim, *args, check=True):
    r = subprocess.run(["virsh", "-q", "-c", vcsim["uri"], *args], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, LIBVIRT_AUTH_FILE=str(vcsim["auth"]),
                                            LIBVIRT_LOG_OUTPUTS="4:file:/dev/null"))
    assert not check or r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture
def esx(vcsim, mount_factory, monkeypatch):
    monkeypatch.setenv("LIBVIRT_AUTH_FILE", str(vcsim["auth"]))
    m = mount_factory(f"esx1=libvirt:{vcsim['uri']}", node_names=["esx1"])
    return m.node("esx1")


def test_the_esx_node(esx, vcsim):
    info = kv(cat(esx / "node/info"))
    assert info["driver"] == "libvirt" and info["connected"] == "yes"
    assert int(info["cpus"]) > 0 and int(info["memory-kib"]) > 0
    assert ls(esx / "domains") == ["ha-host_VM0", "ha-host_VM1"]
    d = esx / "domains/ha-host_VM0"
    assert cat(d / "uuid").strip() == virsh(vcsim, "domuuid", "ha-host_VM0").strip()
    assert "<domain type='vmware'" in cat(d / "config.xml")
    assert ls(esx / "networks") == ["vSwitch0"]
    assert kv(cat(esx / "networks/vSwitch0/info"))["forward"] == "bridge"
    assert ls(esx / "pools") == ["LocalDS_0"]  # through the by-name listing: no ListAll on esx
    assert int(cat(esx / "pools/LocalDS_0/capacity")) > 0
    assert ls(esx / "pools/LocalDS_0/volumes") == []  # the simulator lists none
    fails(run(["cat", d / "stats"]), errno.ENOTSUP)  # libvirt's esx driver has no stats


def test_esx_verbs_reach_the_simulator(esx, vcsim):
    """libvirt's esx driver sends no events: the driver reports its own writes."""
    name = "ha-host_VM1"
    d = esx / "domains" / name
    for verb, want, vstate, line in (("suspend", "paused", "paused", "suspended paused"),
                                     ("resume", "running", "running", "resumed unpaused"),
                                     ("destroy", "shutoff", "shut off", "stopped destroyed"),
                                     ("start", "running", "running", "started booted")):
        with EventWait(esx, rf" domain {name} {line}$"):
            write_ok(d / "state", verb)
        assert state(d) == want
        assert virsh(vcsim, "domstate", name).strip() == vstate
    with EventWait(esx, rf" domain {name} memory-changed 65536$"):
        write_ok(d / "memory", "64M")  # no AFFECT flags on esx: its one definition
    assert cat(d / "memory").strip() == "65536"


def test_esx_define_and_undefine(esx, vcsim, tmp_path):
    src = tmp_path / "hfs-test1.xml"
    src.write_text("<domain type='vmware'><name>hfs-test1</name><memory unit='KiB'>65536</memory>"
                   "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices>"
                   "<disk type='file' device='disk'><source file='[LocalDS_0] hfs-test1/hfs-test1.vmdk'/>"
                   "<target dev='sda' bus='scsi'/></disk>"
                   "<controller type='scsi' index='0' model='lsilogic'/></devices></domain>")
    ok(run(["cp", src, esx / "domains/"]))
    try:
        assert "hfs-test1" in ls(esx / "domains")
        assert "hfs-test1" in virsh(vcsim, "list", "--all", "--name").split()
        assert state(esx / "domains/hfs-test1") == "shutoff"
        ok(run(["rmdir", esx / "domains/hfs-test1"]))
        assert "hfs-test1" not in ls(esx / "domains")
        assert "hfs-test1" not in virsh(vcsim, "list", "--all", "--name").split()
    finally:
        virsh(vcsim, "undefine", "hfs-test1", check=False)


def test_esx_without_credentials_fails_the_mount(vcsim, tmp_path, monkeypatch):
    """No auth.conf entry: the driver never prompts, libvirt's AUTH_FAILED is
    EACCES, and the mount fails (a refusal is not an away peer)."""
    conf = tmp_path / "other.conf"  # credentials for another host only
    conf.write_text("[credentials-x]\nusername=u\npassword=p\n[auth-esx-192.0.2.1]\ncredentials=x\n")
    monkeypatch.setenv("LIBVIRT_AUTH_FILE", str(conf))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run([os.environ.get("HYPERFS", "build/hyperfs"), "-f", "-c",
                        f"esx1=libvirt:{vcsim['uri']}", str(mnt)], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and not os.path.ismount(mnt), r.stderr
    assert "authentication failed" in r.stderr, r.stderr
