"""bench/libvirt_net.py: the network rows of bench/libvirt (issue 11), beside
the same private libvirtd (its qemu driver's network driver: dnsmasq and its
firewall rules in the sandbox's namespace). hyperfs runs in a network
namespace of its own (nsenter --net), so neither touches the host's network.

  - net-start of the same NAT network: `echo start > state` against
    virNetworkCreate, each until it returns (then stop / destroy), median of
    --runs;
  - start to lease: the tiny guest with hyperfs.dhcp on its command line (it
    runs udhcpc at boot) on that network, from `echo start > state` until its
    MAC is in `leases`, against virDomainCreate until virNetworkGetDHCPLeases
    has it; a new MAC each run, both sides poll at 5 ms, median of --runs;
  - domifaddr per call: reading `addresses` (hvloop) against
    virDomainInterfaceAddresses(LEASE)."""
import os
import statistics
import subprocess
import time
from pathlib import Path

NET_XML = ("<network><name>bnet</name><forward mode='nat'/><bridge name='hvbench0'/>"
           "<ip address='192.168.222.1' netmask='255.255.255.0'><dhcp>"
           "<range start='192.168.222.10' end='192.168.222.200'/></dhcp></ip></network>")


def part_network(args, tmp, cleanup, table, hvbin, lvd, L):
    """L: the bench/libvirt module (Mount, wait_for, guest_xml, ratio, per_call, ...)."""
    B, libvirt = L.B, L.libvirt
    r = subprocess.run([str(L.ROOT / "tests/guest/build.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        raise B.BenchError(f"tests/guest/build.sh: {r.stderr.strip()}")
    guest = Path(r.stdout.strip().splitlines()[-1])
    ns = f"hvbench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    cleanup.append(lambda: subprocess.run(["ip", "netns", "del", ns]))
    subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
    root = tmp / "net-root"
    mnt = L.Mount(tmp / "nmnt", [("n", f"qemu:///system?root={root}")], tmp / "hyperfs-net.log")
    mnt.prefix = ["nsenter", f"--net=/run/netns/{ns}"]
    mnt.start()
    cleanup.append(mnt.stop)
    node = tmp / "nmnt/n"
    net = node / "networks/bnet"
    src = tmp / "bnet.xml"
    src.write_text(NET_XML)
    subprocess.run(["cp", str(src), str(node / "networks/")], check=True)
    conn = libvirt.open(f"qemu+unix:///system?socket={lvd.sock}")
    cleanup.append(conn.close)
    lnet = conn.networkDefineXML(NET_XML)

    def lv_net_cleanup():
        try:
            if lnet.isActive():
                lnet.destroy()
            lnet.undefine()
        except libvirt.libvirtError:
            pass
    cleanup.append(lv_net_cleanup)

    def write(path, text):
        with open(path, "w") as f:
            f.write(text + "\n")

    # net-start
    hs, ls_ = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        write(net / "state", "start")
        hs.append(time.perf_counter() - t0)
        write(net / "state", "stop")
        t0 = time.perf_counter()
        lnet.create()
        ls_.append(time.perf_counter() - t0)
        lnet.destroy()
    h, lv = statistics.median(hs), statistics.median(ls_)
    table.add(f"net-start of a NAT network (median of {args.runs})", h, lv, "libvirt",
              L.ratio(h, lv), "<= 1.0x", h <= lv)

    # start to lease
    write(net / "state", "start")
    lnet.create()
    nic = ("<interface type='network'><mac address='{mac}'/><source network='bnet'/>"
           "<model type='virtio'/></interface></devices>")

    def dom_xml(name, mac, logfile=None):
        x = L.guest_xml(guest, name, logfile).replace("console=ttyS0 quiet",
                                                       "console=ttyS0 quiet hyperfs.dhcp")
        return x.replace("</devices>", nic.format(mac=mac))
    dom = node / "domains/nq"
    hx = tmp / "nq.xml"
    hx.write_text(dom_xml("nq", "52:54:00:be:00:00"))
    subprocess.run(["cp", str(hx), str(node / "domains/")], check=True)
    llog = tmp / "lv-nq.log"
    ldom = conn.defineXML(dom_xml("lnq", "52:54:00:bf:00:00", llog))

    def cleanup_doms():
        try:
            if (dom / "state").read_text().strip() != "shutoff":
                write(dom / "state", "destroy")
        except OSError:
            pass
        try:
            if ldom.isActive():
                ldom.destroy()
            ldom.undefine()
        except libvirt.libvirtError:
            pass
    cleanup.append(cleanup_doms)

    def lv_has(mac):
        try:
            return any(x["mac"] == mac for x in lnet.DHCPLeases())
        except libvirt.libvirtError:
            return False
    hl, ll = [], []
    for i in range(args.runs):
        mac = f"52:54:00:be:00:{i + 1:02x}"
        write(dom / "config.xml", dom_xml("nq", mac))
        t0 = time.perf_counter()
        write(dom / "state", "start")
        L.wait_for(lambda: mac in (net / "leases").read_text(), 180, "the hyperfs guest's lease")
        hl.append(time.perf_counter() - t0)
        lmac = f"52:54:00:bf:00:{i + 1:02x}"
        ldom.undefine()  # defined again with the new MAC (a new uuid)
        ldom = conn.defineXML(dom_xml("lnq", lmac, llog))
        t0 = time.perf_counter()
        ldom.create()
        L.wait_for(lambda: lv_has(lmac), 180, "the libvirt guest's lease")
        ll.append(time.perf_counter() - t0)
        if i == args.runs - 1:  # domifaddr while both run
            h_addr = B.best(3, lambda: B.hvloop(hvbin, "cat", "-n", 2000,
                                                dom / "addresses")) / 1e9
            l_addr = L.per_call(lambda: ldom.interfaceAddresses(
                libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE), min(args.calls, 500))
        write(dom / "state", "destroy")
        ldom.destroy()
        L.log(f"network run {i + 1}: hyperfs lease after {hl[-1]:.2f} s, "
              f"libvirt after {ll[-1]:.2f} s")
    h, lv = statistics.median(hl), statistics.median(ll)
    table.add(f"guest start to its DHCP lease (median of {args.runs})", h, lv, "libvirt",
              L.ratio(h, lv), "info", None)
    table.add("domifaddr per call (addresses vs InterfaceAddresses)", h_addr, l_addr, "libvirt",
              L.ratio(h_addr, l_addr), "info", None)
    write(net / "state", "stop")
    lnet.destroy()
    mnt.stop()
