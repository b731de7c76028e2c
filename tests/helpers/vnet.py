"""vnet.py: a virtual network of a local node (LXC, UML) for the guest
network tests: an isolated network (no <forward>: no nftables, nothing
routed) with DHCP, on a bridge of its own in the host's namespace, defined by
`cp` into networks/; and the udhcpc command a busybox guest runs to take a
lease (it prints `LEASE IP`). `cleanup()` stops it through the tree, then
removes by hand what a failed test left: our dnsmasq by the pid it wrote (only
if its command line names our state folder), our bridge by name."""
import os
import subprocess
from pathlib import Path

from .procnode import write


def udhcpc(ifname):
    return ("printf '#!/bin/sh\\n[ \"$1\" = bound ] && ip addr add $ip/$mask dev $interface "
            "&& echo LEASE $ip\\n' > /tmp/udhcpc.sh; chmod +x /tmp/udhcpc.sh; "
            f"ip link set lo up; ip link set {ifname} up; "
            f"udhcpc -i {ifname} -n -q -t 20 -T 1 -s /tmp/udhcpc.sh")


def links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


class HostNet:
    def __init__(self, node_dir, state, tmp_path, name, subnet, prefix="hvn"):
        self.state, self.name = Path(state), name
        self.br = f"{prefix}{os.getpid() % 100000}"
        xml = (f"<network><name>{name}</name><bridge name='{self.br}'/>"
               f"<ip address='{subnet}.1' prefix='24'><dhcp>"
               f"<range start='{subnet}.10' end='{subnet}.20'/></dhcp></ip></network>")
        src = Path(tmp_path) / f"{name}.xml"
        src.write_text(xml)
        subprocess.run(["cp", str(src), str(Path(node_dir) / "networks")], check=True)
        self.dir = Path(node_dir) / "networks" / name

    def dnsmasq_pid(self):
        p = self.state / "run/network-state" / self.name / "dnsmasq.pid"
        try:
            return int(p.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cleanup(self):
        write(self.dir / "state", "stop\n")
        pid = self.dnsmasq_pid()
        try:
            ours = pid and str(self.state) in Path(f"/proc/{pid}/cmdline").read_text()
        except OSError:
            ours = False
        if ours:
            os.kill(pid, 9)
        subprocess.run(["ip", "link", "del", self.br], capture_output=True)
