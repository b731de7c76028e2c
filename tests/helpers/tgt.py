"""tgt.py: a real iSCSI target for tests and bench/iscsi: tgtd (Debian's tgt,
a userspace target) on a free loopback port, with targets whose LUNs are
files. start() waits until tgtadm answers; stop() takes the targets offline,
deletes them and ends tgtd by its PID (tgtd ignores SIGTERM). Needs root and
tgt."""
import os
import socket
import subprocess

from helpers.tools import wait_for


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TgtTarget:
    """tgtd on 127.0.0.1:port; targets: [(iqn, [lun sizes in MiB], (user, password) or
    None)], their LUN n of target t in dir/t{t}lun{n}.img (t and n from 1)."""

    def __init__(self, d, targets):
        self.dir, self.targets = d, targets
        self.port, self.ctl = free_port(), 1000 + os.getpid() % 50000
        self.proc = None

    def lun_file(self, tid, lun):
        return self.dir / f"t{tid}lun{lun}.img"

    def adm(self, *args, check=True):
        return subprocess.run(["tgtadm", "-C", str(self.ctl), "--lld", "iscsi", *args],
                              check=check, capture_output=True)

    def start(self):
        log = open(self.dir / "tgtd.log", "w")
        self.proc = subprocess.Popen(["tgtd", "-f", "-C", str(self.ctl), "--iscsi",
                                      f"portal=127.0.0.1:{self.port}"],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.adm("--op", "show", "--mode", "target", check=False).returncode == 0
                 or self.proc.poll() is not None, "tgtd answering tgtadm", timeout=10)
        assert self.proc.poll() is None, (self.dir / "tgtd.log").read_text()
        for tid, (iqn, sizes, chap) in enumerate(self.targets, 1):
            self.adm("--op", "new", "--mode", "target", "--tid", str(tid), "-T", iqn)
            for lun, mib in enumerate(sizes, 1):
                with open(self.lun_file(tid, lun), "wb") as f:
                    f.truncate(mib << 20)
                self.adm("--op", "new", "--mode", "logicalunit", "--tid", str(tid), "--lun",
                         str(lun), "-b", str(self.lun_file(tid, lun)))
            self.adm("--op", "bind", "--mode", "target", "--tid", str(tid), "-I", "ALL")
            if chap:
                self.adm("--op", "new", "--mode", "account", "--user", chap[0],
                         "--password", chap[1], check=False)  # one account, bound to several
                self.adm("--op", "bind", "--mode", "account", "--tid", str(tid), "--user",
                         chap[0])
        return self

    def stop(self):
        if not self.proc:
            return
        subprocess.run(["tgtadm", "-C", str(self.ctl), "--op", "update", "--mode", "sys",
                        "--name", "State", "-v", "offline"], capture_output=True)
        subprocess.run(["tgtadm", "-C", str(self.ctl), "--op", "delete", "--mode", "system"],
                       capture_output=True)
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # tgtd ignores SIGTERM; by its PID, which we started
            self.proc.wait()
        self.proc = None
