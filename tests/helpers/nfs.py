"""nfs.py: a real NFS server for tests and bench/netfs: nfs-ganesha (VFS FSAL,
NFSv3) and rpcbind in a network namespace of their own, reached from the host
over a veth pair (172.30.X.0/24, X free on this host), with a /run of their
own (a mount namespace: rpcbind's socket and lock live there), exporting one
folder to the host's end only. start() waits until the export lists (nfs-ls);
pause() and resume() stop and start ganesha alone (a server that went away
and came back); stop() ends both daemons by PID and removes the namespace
with its veth.
Needs root, nfs-ganesha, nfs-ganesha-vfs, rpcbind and libnfs-utils."""
import ipaddress
import os
import subprocess

from helpers.tools import DROP_FUSE_COPIES, wait_for


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def free_subnet():
    used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    for k in range(200):
        x = (os.getpid() + k) % 200 + 20
        if f" 172.30.{x}." not in used:
            return ipaddress.ip_network(f"172.30.{x}.0/24")
    raise RuntimeError("no free 172.30.X.0/24 for the NFS server's veth")


class NfsServer:
    """nfs-ganesha and rpcbind in netns NS, exporting folder exp to the host's
    end of a veth pair."""

    def __init__(self, tmp):
        self.tmp, self.exp = tmp, tmp / "exp"
        self.ns, self.veth = f"hfsnfs{os.getpid()}", f"hfn{os.getpid() % 100000}"
        net = free_subnet()
        self.host_ip, self.ip, self.absent = (str(net.network_address + n) for n in (1, 2, 3))
        self.procs = []

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        self.exp.mkdir()
        os.chmod(self.exp, 0o777)
        ip("netns", "add", self.ns)
        ip("link", "add", self.veth + "h", "type", "veth", "peer", "name", self.veth + "n")
        ip("link", "set", self.veth + "n", "netns", self.ns)
        ip("addr", "add", f"{self.host_ip}/24", "dev", self.veth + "h")
        ip("link", "set", self.veth + "h", "up")
        ip("-n", self.ns, "addr", "add", f"{self.ip}/24", "dev", self.veth + "n")
        ip("-n", self.ns, "link", "set", self.veth + "n", "up")
        ip("-n", self.ns, "link", "set", "lo", "up")
        conf = self.tmp / "ganesha.conf"
        conf.write_text(
            "NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = 2049; MNT_Port = 20048; "
            "Enable_NLM = false; Enable_RQUOTA = false; }\n"
            "NFSV4 { Graceless = true; RecoveryBackend = fs; }\n"
            "NFS_KRB5 { Active_krb5 = false; }\n"
            f"EXPORT {{ Export_Id = 1; Path = {self.exp}; Pseudo = /export; Access_Type = RW; "
            "Squash = No_Root_Squash; Protocols = 3, 4; Transports = TCP; SecType = sys; "
            f"FSAL {{ Name = VFS; }} CLIENT {{ Clients = {self.host_ip}; Access_Type = RW; }} }}\n")
        # rpcbind's socket and lock are in /run, which namespaces of the network
        # do not separate: the two daemons get a /run of their own (ganesha
        # registers through that socket), so no other rpcbind is seen or hit
        rpcbind = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "-m", "--propagation", "private",
             "sh", "-c", DROP_FUSE_COPIES + "mount -t tmpfs tmpfs /run && mkdir -p /run/rpcbind && "
             "exec rpcbind -f -w"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(rpcbind)
        ask = ["nsenter", "-t", str(rpcbind.pid), "-m", "-n", "rpcinfo", "-p", "127.0.0.1"]
        wait_for(lambda: subprocess.run(ask, capture_output=True).returncode == 0
                 or rpcbind.poll() is not None, "rpcbind answering")
        assert rpcbind.poll() is None, "rpcbind exited"
        self.rpcbind = rpcbind
        self.resume()

    def resume(self):
        """(Again) start ganesha, in rpcbind's namespaces, until it serves."""
        log = self.tmp / "ganesha.log"
        self.ganesha = subprocess.Popen(
            ["nsenter", "-t", str(self.rpcbind.pid), "-m", "-n",
             "ganesha.nfsd", "-F", "-f", str(self.tmp / "ganesha.conf"), "-L", str(log),
             "-p", str(self.tmp / "ganesha.pid"), "-N", "NIV_EVENT"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(self.ganesha)
        wait_for(lambda: subprocess.run(["nfs-ls", f"nfs://{self.ip}{self.exp}"],
                                        capture_output=True).returncode == 0
                 or any(p.poll() is not None for p in self.procs),
                 "nfs-ganesha serving the export", timeout=30)
        assert all(p.poll() is None for p in self.procs), log.exists() and log.read_text()

    def pause(self):
        """Stops ganesha (rpcbind and the address stay): a server that is away."""
        self.ganesha.terminate()
        self.ganesha.wait(20)
        self.procs.remove(self.ganesha)

    def stop(self):
        for p in reversed(self.procs):  # ours, by PID
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)  # takes the veth
        subprocess.run(["ip", "link", "del", self.veth + "h"], capture_output=True)
