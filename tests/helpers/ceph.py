"""ceph.py: a real one-node Ceph cluster (Pacific 16.2, Debian 12) for tests:
one monitor, one manager (pool statistics, and so the sizes librados reports,
come through it) and one bluestore OSD on a sparse file, all in a network
namespace of their own with the monitor on 127.0.0.1:3300 (msgr v2) there,
cephx on, and an `rbd` pool of size 1. Clients run in the namespace
(`prefix()`: nsenter --net, so a FUSE mount made there is in the host's
mount namespace). start() returns when the pool's placement groups are
active+clean (about 15 s here); stop() ends the daemons by their pid files
(SIGKILL: the data goes anyway) and removes the namespace and the folder. Made from
/work/shared/recipes/ceph-onenode.sh's sequence and its quirks.

Needs root and ceph-mon ceph-osd ceph-mgr ceph-common (missing() names what
is not installed)."""
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

from helpers.tools import wait_for

TOOLS = ("ceph-mon", "ceph-osd", "ceph-mgr", "ceph", "rbd", "ceph-authtool", "monmaptool")

CONF = """[global]
fsid = {fsid}
mon initial members = a
mon host = v2:127.0.0.1:3300
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = {d}/$cluster.$name.keyring
run dir = {d}/run
admin socket = {d}/run/$name.asok
log file = {d}/log/$name.log
pid file = {d}/run/$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd pool default pg autoscale mode = off
auth allow insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 1
mon data avail crit = 0
ms bind ipv6 = false
[mon]
mon data = {d}/mon/$cluster-$id
keyring = {d}/mon/$cluster-$id/keyring
[mgr]
mgr data = {d}/mgr/$cluster-$id
keyring = {d}/mgr/$cluster-$id/keyring
[osd]
osd data = {d}/osd/$cluster-$id
keyring = {d}/osd/$cluster-$id/keyring
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 2147483648
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
osd max object name len = 256
osd max object namespace len = 64
"""


def missing():
    """The tools this host lacks, for a skip reason ([] when all are there)."""
    return [t for t in TOOLS if shutil.which(t) is None]


class CephCluster:
    """A one-node cluster in folder d (made here), namespace ns."""

    MON = "127.0.0.1"
    PORT = 3300

    def __init__(self, d):
        self.d = d
        self.ns = f"hfsceph{os.getpid()}"
        self.conf = d / "ceph.conf"
        self.key = None  # client.admin's cephx key, base64 as `ceph auth get-key` prints it

    # ---- running things in the namespace
    def prefix(self):
        return ["nsenter", f"--net=/run/netns/{self.ns}"]

    def run(self, *argv, check=True, input=None, timeout=60):
        r = subprocess.run(self.prefix() + [str(a) for a in argv], capture_output=True,
                           text=True, input=input, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, argv))}: {r.stderr.strip()}")
        return r

    def ceph(self, *args, **kw):
        return self.run("ceph", "-c", self.conf, *args, **kw)

    def rbd(self, *args, **kw):
        return self.run("rbd", "-c", self.conf, *args, **kw)

    def images(self):
        return sorted(self.rbd("ls", "rbd").stdout.split())

    def info(self, image):
        return json.loads(self.rbd("info", "--format", "json", f"rbd/{image}").stdout)

    def snaps(self, image):
        return json.loads(self.rbd("snap", "ls", "--format", "json", f"rbd/{image}").stdout)

    # ---- life cycle
    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        d = self.d
        for sub in ("run", "log", "mon/ceph-a", "mgr/ceph-x", "osd/ceph-0"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        subprocess.run(["ip", "-n", self.ns, "link", "set", "lo", "up"], check=True,
                       capture_output=True)
        fsid = str(uuid.uuid4())
        self.conf.write_text(CONF.format(fsid=fsid, d=d))
        auth = lambda *a: subprocess.run(["ceph-authtool", *map(str, a)], check=True,  # noqa: E731
                                         capture_output=True, text=True)
        mon_keyring, admin = d / "ceph.mon.keyring", d / "ceph.client.admin.keyring"
        auth("--create-keyring", mon_keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *")
        auth("--create-keyring", admin, "--gen-key", "-n", "client.admin", "--cap", "mon",
             "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr",
             "allow *")
        auth(mon_keyring, "--import-keyring", admin)
        subprocess.run(["monmaptool", "--create", "--addv", "a", f"[v2:{self.MON}:{self.PORT}]",
                        "--fsid", fsid, str(d / "monmap")], check=True, capture_output=True)
        self.run("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", d / "monmap",
                 "--keyring", mon_keyring)
        self.run("ceph-mon", "-c", self.conf, "-i", "a")  # daemonizes; pid file in run/
        wait_for(lambda: self.ceph("-s", check=False, timeout=10).returncode == 0,
                 "the Ceph monitor answers", timeout=30)
        self.key = self.ceph("auth", "get-key", "client.admin").stdout.strip()
        mgr = self.ceph("auth", "get-or-create", "mgr.x", "mon", "allow profile mgr", "osd",
                        "allow *", "mds", "allow *").stdout
        (d / "mgr/ceph-x/keyring").write_text(mgr)
        self.run("ceph-mgr", "-c", self.conf, "-i", "x")
        osd_uuid = str(uuid.uuid4())
        secret = auth("--gen-print-key").stdout.strip()
        osd_id = self.ceph("osd", "new", osd_uuid, "-i", "-",
                           input=json.dumps({"cephx_secret": secret})).stdout.strip()
        auth("--create-keyring", d / f"osd/ceph-{osd_id}/keyring", "--name", f"osd.{osd_id}",
             "--add-key", secret)
        self.run("ceph-osd", "-c", self.conf, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid,
                 timeout=120)
        self.run("ceph-osd", "-c", self.conf, "-i", osd_id)
        wait_for(lambda: "1 up" in self.ceph("osd", "stat", check=False).stdout,
                 "the OSD is up", timeout=60)
        self.ceph("osd", "pool", "create", "rbd", "8")
        self.ceph("osd", "pool", "application", "enable", "rbd", "rbd")
        self.rbd("pool", "init", "rbd")
        wait_for(self._clean, "the rbd pool's placement groups active+clean", timeout=90)

    def _clean(self):
        r = self.ceph("pg", "stat", "--format", "json", check=False)
        try:
            s = json.loads(r.stdout)
            states = s.get("pg_summary", s).get("num_pg_by_state", [])
            total = s.get("pg_summary", s).get("num_pgs", 0)
        except (ValueError, AttributeError):
            return False
        clean = sum(x["num"] for x in states if x["name"] == "active+clean")
        return total > 0 and clean == total

    def stop(self):
        run = self.d / "run"
        pids = []
        # SIGKILL at once, all of them, then wait for them together: the
        # cluster's data goes anyway (an OSD takes seconds over SIGTERM)
        for pf in sorted(run.glob("*.pid")) if run.exists() else []:
            try:
                pid = int(pf.read_text().strip())
                os.kill(pid, signal.SIGKILL)
                pids.append(pid)
            except (ValueError, ProcessLookupError, FileNotFoundError):
                continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
            time.sleep(0.05)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        shutil.rmtree(self.d, ignore_errors=True)
