"""bench/libvirt_mobility.py: the "mobility" rows of bench/libvirt (issue 15),
moving and keeping a running guest, beside two private libvirtds in the same
run. Two network namespaces joined by a veth pair (10.79.0.1 and 10.79.0.2)
each hold one libvirtd (tools/libvirtd-sandbox --netns, TCP on its address,
a host UUID of its own) and one hyperfsd (on a unix socket in the bench's
folder, and on TCP port 16510 of its address); one hyperfs mount, outside the
namespaces, has the two hyperfsd nodes as a and b. QEMU sends the guest over
the veth in both cases. The guest is the tiny test guest (tests/guest/build.sh,
TCG) with the same XML on both sides.

  - live migration: `mv mnt/a/domains/mg mnt/b/domains/` (the `migrate` file
    says uri=tcp:10.79.0.2) until it returns, against libvirt's client
    (virDomainMigrate3 through the Python bindings, connections opened
    beforehand, as `virsh migrate --live --persistent --undefinesource mg
    qemu+tcp://B/system --migrateuri tcp://B` does) between the two
    libvirtds; and that same client call between the two hyperfsd nodes. Each
    run moves the guest there and back (after one round trip of each kind,
    not timed: each side's first incoming QEMU); the median of 2 x --runs;
  - peer-to-peer and tunnelled live migration: virDomainMigrateToURI3 with
    VIR_MIGRATE_PEER2PEER (`virsh migrate --p2p`; the source's daemon opens
    the target over TCP and runs the phases itself), and with
    VIR_MIGRATE_TUNNELLED too (`--p2p --tunnelled`: the guest goes through
    the daemons' connection, PrepareTunnel3Params' stream), between the two
    hyperfsd nodes against the same calls between the two libvirtds; there
    and back per run, median of 2 x --runs;
  - downtime: QEMU's own figure (the source's last query-migrate `downtime`),
    which both libvirt and hyperfsd carry to the target in the migration
    cookie and keep there as the completed job (`virsh domjobinfo
    --completed`, virDomainGetJobStats COMPLETED), after the migrate3 moves;
  - live migration between a hyperfsd and a libvirtd, both ways, with that
    client call (hyperfsd a and libvirtd b): info rows beside the libvirtds';
  - snapshot create and revert: an internal snapshot of the running guest
    with a qcow2 disk, `mkdir snapshots/s1` and `echo revert >
    snapshots/s1/state` on node a, against virDomainSnapshotCreateXML and
    virDomainRevertToSnapshot on libvirtd a (`virsh snapshot-create-as`,
    `snapshot-revert`); deleted between runs (rmdir, virDomainSnapshotDelete),
    median of --runs.

A libvirtd that cannot migrate is a failure of the bench with the reason from
its log (DIR/log/libvirtd.log), never a made-up baseline."""
import os
import statistics
import subprocess
import time
from pathlib import Path

ADDR = {"a": "10.79.0.1", "b": "10.79.0.2"}
HFD_TCP = 16510  # hyperfsd's TCP port; libvirtd has 16509 in the same namespace
DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='{}'/><target dev='vda' bus='virtio'/></disk></devices>")
OTHER = {"a": "b", "b": "a"}


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


def read(path):
    with open(path) as f:
        return f.read().strip()


def netns_pair(tmp, cleanup, B):
    """Two namespaces and the veth between them; removed at cleanup."""
    ns = {n: f"hvmob{os.getpid()}{n}" for n in "ab"}
    veth = {n: f"hvmb{os.getpid() % 100000}{n}" for n in "ab"}

    def ip(*a):
        r = subprocess.run(["ip", *a], capture_output=True, text=True)
        if r.returncode != 0:
            raise B.BenchError(f"ip {' '.join(a)}: {r.stderr.strip()}")
    for n in "ab":
        ip("netns", "add", ns[n])
        cleanup.append(lambda n=n: subprocess.run(["ip", "netns", "del", ns[n]]))
    ip("link", "add", veth["a"], "netns", ns["a"], "type", "veth", "peer", "name", veth["b"],
       "netns", ns["b"])
    for n in "ab":
        ip("-n", ns[n], "addr", "add", ADDR[n] + "/24", "dev", veth[n])
        ip("-n", ns[n], "link", "set", veth[n], "up")
        ip("-n", ns[n], "link", "set", "lo", "up")
    return ns


class NsHyperfsd:
    """hyperfsd in network namespace ns (nsenter --net: no mount namespace of
    its own, so it holds no copies of FUSE mounts); its PID is ours."""

    def __init__(self, L, tmp, n, ns):
        self.L, self.n, self.ns = L, n, ns
        self.sock = tmp / f"hfd-{n}.sock"
        self.logfile = tmp / f"hyperfsd-{n}.log"
        self.proc = None

    def start(self):
        with open(self.logfile, "ab") as lf:
            self.proc = subprocess.Popen(
                ["nsenter", f"--net=/run/netns/{self.ns}", str(self.L.HYPERFSD), "-f",
                 "--listen", f"unix:{self.sock}", "--listen", f"tcp:{ADDR[self.n]}:{HFD_TCP}"],
                stdout=lf, stderr=lf, stdin=subprocess.DEVNULL)
        self.L.wait_for(lambda: self.sock.exists() or self.proc.poll() is not None, 20,
                        f"hyperfsd {self.n}")
        if self.proc.poll() is not None:
            raise self.L.B.BenchError(f"hyperfsd {self.n} exited: {self.logfile.read_text()}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def kill_qemus(root):
    """hyperfs's QEMUs outlive their daemon by design: the ones of this run's roots."""
    for pidfile in (root / "run").glob("*.pid"):
        subprocess.run(["kill", "-9", pidfile.read_text().strip()], capture_output=True)


def lv_log_tail(sandbox_dir, n=8):
    try:
        lines = (sandbox_dir / "log" / "libvirtd.log").read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return "(no libvirtd.log)"


def part_mobility(args, tmp, cleanup, table, hvbin, _lvd, L):
    """L: the bench/libvirt module (Sandbox, Mount, wait_for, guest_xml, ratio, ...);
    the shared libvirtd is not used (None with --only mobility)."""
    B, libvirt = L.B, L.libvirt
    r = subprocess.run([str(L.ROOT / "tests/guest/build.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        raise B.BenchError(f"tests/guest/build.sh: {r.stderr.strip()}")
    guest = Path(r.stdout.strip().splitlines()[-1])
    ns = netns_pair(tmp, cleanup, B)

    lvd = {}
    for n in "ab":
        lvd[n] = L.Sandbox(tmp / f"libvirtd-{n}", ["--netns", ns[n], "--listen", ADDR[n]]).start()
        cleanup.append(lvd[n].stop)
    hfd = {}
    roots = {n: tmp / f"hroot-{n}" for n in "abc"}
    for n in "abc":
        cleanup.append(lambda n=n: kill_qemus(roots[n]))
    for n in "ab":
        hfd[n] = NsHyperfsd(L, tmp, n, ns[n]).start()
        cleanup.append(hfd[n].stop)
    # a and b: the hyperfsd nodes; c: the mount's own qemu node (snapshots:
    # the remote driver has no snapshots/ folder yet)
    mnt = L.Mount(tmp / "mmnt", [(n, f"qemu+unix:///system?socket={hfd[n].sock}&root={roots[n]}")
                                 for n in "ab"] + [("c", f"qemu:///system?root={roots['c']}")],
                  tmp / "hyperfs-mob.log")
    mnt.start()
    cleanup.append(mnt.stop)
    node = {n: tmp / "mmnt" / n for n in "abc"}
    lconn = {n: libvirt.open(f"qemu+unix:///system?socket={lvd[n].sock}") for n in "ab"}
    hconn = {n: libvirt.open(f"qemu+unix:///system?socket={hfd[n].sock}&root={roots[n]}")
             for n in "ab"}
    for c in (*lconn.values(), *hconn.values()):
        cleanup.append(c.close)
    t0 = time.perf_counter()
    for c in lconn.values():  # libvirtd probes QEMU on first use: not timed
        c.getDomainCapabilities(None, None, None, "qemu", 0)
    L.log(f"both libvirtds know QEMU's capabilities ({time.perf_counter() - t0:.1f} s)")

    def lv_undefine_all():
        for c in lconn.values():
            for dom in c.listAllDomains(0):
                try:
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
                except libvirt.libvirtError:
                    pass
    cleanup.append(lv_undefine_all)

    migration_rows(args, tmp, table, L, guest, node, roots, lvd, lconn, hconn)
    snapshot_rows(args, tmp, table, L, guest, node, roots, lconn, hconn)
    mnt.stop()


def migration_rows(args, tmp, table, L, guest, node, roots, lvd, lconn, hconn):
    B, libvirt = L.B, L.libvirt
    llog = tmp / "lv-mg.log"
    (tmp / "mg.xml").write_text(L.guest_xml(guest, "mg"))
    subprocess.run(["cp", str(tmp / "mg.xml"), str(node["a"] / "domains/")], check=True)
    write(node["a"] / "domains/mg/state", "start")
    ldom = lconn["a"].defineXML(L.guest_xml(guest, "mg", logfile=llog))
    ldom.create()
    L.wait_for(lambda: L.log_has_ready(roots["a"] / "run/mg.log", 0), 180,
               "the hyperfs guest's ready line")
    L.wait_for(lambda: L.log_has_ready(llog, 0), 180, "the libvirt guest's ready line")

    flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PERSIST_DEST |
             libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)

    def client_migrate(conns, src, who, log_of):
        """virDomainMigrate3 src -> other, timed; the destination's completed
        job's downtime (ms) or None when it keeps none."""
        dst = OTHER[src]
        dom = conns[src].lookupByName("mg")
        t0 = time.perf_counter()
        try:
            ddom = dom.migrate3(conns[dst], {libvirt.VIR_MIGRATE_PARAM_URI:
                                             f"tcp://{ADDR[dst]}"}, flags)
        except libvirt.libvirtError as e:
            raise B.BenchError(f"{who} migration {src} -> {dst}: {e}\n{log_of(src)}\n"
                               f"{log_of(dst)}")
        t = time.perf_counter() - t0
        if ddom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            raise B.BenchError(f"{who}: mg is {ddom.state()} on {dst} after the migration")
        try:
            st = ddom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        except libvirt.libvirtError:
            st = {}
        dt = st.get("downtime")
        if "time_elapsed" in st:
            L.log(f"{who} {src} -> {dst}: {t:.2f} s; its job: " + ", ".join(
                f"{k} {st[k]}" for k in ("time_elapsed", "setup_time", "downtime",
                                         "memory_processed", "memory_iteration") if k in st))
        return t, (dt / 1e3 if dt is not None else None)

    def mv(src):
        dst = OTHER[src]
        write(node[src] / "domains/mg/migrate", f"uri=tcp:{ADDR[dst]}")
        t0 = time.perf_counter()
        p = subprocess.run(["mv", str(node[src] / "domains/mg"), str(node[dst] / "domains") + "/"],
                           capture_output=True, text=True)
        t = time.perf_counter() - t0
        if p.returncode != 0:
            raise B.BenchError(f"mv of mg {src} -> {dst}: {p.stderr.strip()}: "
                               f"{(node[src] / 'domains/mg/error').read_text()}")
        if read(node[dst] / "domains/mg/state") != "running":
            raise B.BenchError(f"mg is not running on {dst} after mv")
        return t

    def lv_log(n):
        return f"libvirtd {n}: {lv_log_tail(lvd[n].dir)}"

    def hfd_log(n):
        return f"hyperfsd {n}: {(tmp / f'hyperfsd-{n}.log').read_text()[-1500:]}"

    # one round trip of each kind first, not timed: each side's first
    # incoming QEMU and connections
    for src in "ab":
        mv(src)
    for conns, who, log_of in ((hconn, "hyperfsd", hfd_log), (lconn, "libvirt", lv_log)):
        for src in "ab":
            client_migrate(conns, src, who, log_of)
    h_mv, h_cl, h_down, l_cl, l_down = [], [], [], [], []
    for i in range(args.runs):
        for src in "ab":
            h_mv.append(mv(src))
        for src in "ab":
            t, dt = client_migrate(hconn, src, "hyperfsd", hfd_log)
            h_cl.append(t)
            if dt is not None:
                h_down.append(dt)
        for src in "ab":
            t, dt = client_migrate(lconn, src, "libvirt", lv_log)
            l_cl.append(t)
            if dt is None:
                raise B.BenchError(f"libvirt kept no completed job with a downtime: {lv_log('b')}")
            l_down.append(dt)
        L.log(f"mobility run {i + 1}: mv {h_mv[-2]:.2f} s / {h_mv[-1]:.2f} s, migrate3 on "
              f"hyperfsd {h_cl[-2]:.2f} / {h_cl[-1]:.2f} s, on libvirtd {l_cl[-2]:.2f} / "
              f"{l_cl[-1]:.2f} s (downtime {l_down[-2] * 1e3:.0f} / {l_down[-1] * 1e3:.0f} ms)")
    k = len(l_cl)
    hm, hc, lc = statistics.median(h_mv), statistics.median(h_cl), statistics.median(l_cl)
    ld = statistics.median(l_down)
    table.add(f"live migration: mv to the other node (median of {k})", hm, lc, "libvirt migrate3",
              L.ratio(hm, lc), "<= 1.0x", hm <= lc)
    table.add(f"live migration: migrate3 between hyperfsds (median of {k})", hc, lc,
              "libvirt migrate3", L.ratio(hc, lc), "<= 1.0x", hc <= lc)
    if h_down:
        hd = statistics.median(h_down)
        table.add(f"migration downtime, QEMU's, the target's completed job "
                  f"(median of {len(h_down)})", hd, ld, "libvirt", L.ratio(hd, ld), "info", None)
    else:
        table.rows.append([f"migration downtime, QEMU's (median of {k})", "not kept",
                           f"{B.fmt_time(ld)} (libvirt domjobinfo --completed)", "-", "info",
                           ""])
    cross_rows(args, table, L, hconn, lconn, client_migrate, hfd_log, lv_log, lc)
    p2p_rows(args, table, L, roots, lconn, hconn, flags, lv_log, hfd_log)
    write(node["a"] / "domains/mg/state", "destroy")
    ldom = lconn["a"].lookupByName("mg")
    ldom.destroy()


def p2p_rows(args, table, L, roots, lconn, hconn, flags, lv_log, hfd_log):
    """virsh migrate --p2p [--tunnelled] between the hyperfsds and between the
    libvirtds (mg is on a on both sides when this starts)."""
    B, libvirt = L.B, L.libvirt
    uris = {"hyperfsd": lambda n: f"qemu+tcp://{ADDR[n]}:{HFD_TCP}/system?root={roots[n]}",
            "libvirt": lambda n: f"qemu+tcp://{ADDR[n]}/system"}

    def p2p(conns, src, who, log_of, tunnelled):
        dst = OTHER[src]
        f = flags | libvirt.VIR_MIGRATE_PEER2PEER
        params = {}
        if tunnelled:
            f |= libvirt.VIR_MIGRATE_TUNNELLED
        else:
            params[libvirt.VIR_MIGRATE_PARAM_URI] = f"tcp://{ADDR[dst]}"
        t0 = time.perf_counter()
        try:
            conns[src].lookupByName("mg").migrateToURI3(uris[who](dst), params, f)
        except libvirt.libvirtError as e:
            raise B.BenchError(f"{who} p2p{' tunnelled' if tunnelled else ''} migration "
                               f"{src} -> {dst}: {e}\n{log_of(src)}\n{log_of(dst)}")
        t = time.perf_counter() - t0
        if conns[dst].lookupByName("mg").state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            raise B.BenchError(f"{who}: mg is not running on {dst} after the p2p migration")
        return t

    sides = (("hyperfsd", hconn, hfd_log), ("libvirt", lconn, lv_log))
    for tunnelled in (False, True):
        times = {"hyperfsd": [], "libvirt": []}
        for who, conns, log_of in sides:  # one round trip first, not timed
            for src in "ab":
                p2p(conns, src, who, log_of, tunnelled)
        for i in range(args.runs):
            for who, conns, log_of in sides:
                for src in "ab":
                    times[who].append(p2p(conns, src, who, log_of, tunnelled))
            L.log(f"p2p{' tunnelled' if tunnelled else ''} run {i + 1}: hyperfsd "
                  f"{times['hyperfsd'][-2]:.2f} / {times['hyperfsd'][-1]:.2f} s, libvirtd "
                  f"{times['libvirt'][-2]:.2f} / {times['libvirt'][-1]:.2f} s")
        h, lv = statistics.median(times["hyperfsd"]), statistics.median(times["libvirt"])
        what = "--p2p --tunnelled" if tunnelled else "--p2p"
        table.add(f"live migration: {what} between hyperfsds (median of {len(times['libvirt'])})",
                  h, lv, f"libvirt {what}", L.ratio(h, lv), "<= 1.0x", h <= lv)


def cross_rows(args, table, L, hconn, lconn, client_migrate, hfd_log, lv_log, lc):
    """hyperfsd a's guest to libvirtd b and back with libvirt's client (the
    QEMU command lines and cookies of the two agree: docs/moving-and-keeping.md
    "With a stock libvirtd"); one untimed round trip first (libvirtd b's
    first incoming QEMU of this guest)."""
    cross = {"a": hconn["a"], "b": lconn["b"]}

    def log_of(n):
        return hfd_log("a") if n == "a" else lv_log("b")
    for src in "ab":
        client_migrate(cross, src, "hyperfsd/libvirtd", log_of)
    out, back = [], []
    for _ in range(args.runs):
        out.append(client_migrate(cross, "a", "hyperfsd -> libvirtd", log_of)[0])
        back.append(client_migrate(cross, "b", "libvirtd -> hyperfsd", log_of)[0])
    for what, ts in (("hyperfsd -> libvirtd", out), ("libvirtd -> hyperfsd", back)):
        t = statistics.median(ts)
        table.add(f"live migration: migrate3 {what} (median of {len(ts)})", t, lc,
                  "libvirt migrate3 between libvirtds", L.ratio(t, lc), "info", None)


def snapshot_rows(args, tmp, table, L, guest, node, roots, lconn, hconn):
    B, libvirt = L.B, L.libvirt
    disks = {w: tmp / f"sg-{w}.qcow2" for w in ("h", "d", "l")}
    for p in disks.values():
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(p), "64M"], check=True)
    llog = tmp / "lv-sg.log"
    (tmp / "sg.xml").write_text(L.guest_xml(guest, "sg").replace(
        "</devices>", DISK.format(disks["h"])))
    subprocess.run(["cp", str(tmp / "sg.xml"), str(node["c"] / "domains/")], check=True)
    dom = node["c"] / "domains/sg"
    write(dom / "state", "start")
    ddom = hconn["a"].defineXML(L.guest_xml(guest, "sg").replace(
        "</devices>", DISK.format(disks["d"])))
    ddom.create()
    ldom = lconn["a"].defineXML(L.guest_xml(guest, "sg", logfile=llog).replace(
        "</devices>", DISK.format(disks["l"])))
    ldom.create()
    for what, log in (("hyperfs", roots["c"] / "run/sg.log"),
                      ("hyperfsd", roots["a"] / "run/sg.log"), ("libvirt", llog)):
        L.wait_for(lambda: L.log_has_ready(log, 0), 180, f"the {what} guest's ready line")
    snaps = dom / "snapshots"

    def client(d, who, out_c, out_r):
        t0 = time.perf_counter()
        snap = d.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
        out_c.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        d.revertToSnapshot(snap, 0)
        out_r.append(time.perf_counter() - t0)
        if d.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            raise B.BenchError(f"{who}'s sg is {d.state()} after the revert")
        snap.delete(0)

    hc, hr, dc, dr, lc, lr = [], [], [], [], [], []
    for i in range(args.runs):
        t0 = time.perf_counter()
        os.mkdir(snaps / "s1")
        hc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        write(snaps / "s1/state", "revert")
        hr.append(time.perf_counter() - t0)
        if read(dom / "state") != "running":
            raise B.BenchError(f"sg is {read(dom / 'state')} after the revert")
        os.rmdir(snaps / "s1")
        client(ddom, "hyperfsd", dc, dr)
        client(ldom, "libvirt", lc, lr)
        L.log(f"snapshot run {i + 1}: hyperfs create {hc[-1]:.2f} s revert {hr[-1]:.2f} s; "
              f"hyperfsd {dc[-1]:.2f} s / {dr[-1]:.2f} s; "
              f"libvirt create {lc[-1]:.2f} s revert {lr[-1]:.2f} s")
    md = statistics.median
    for what, h, d, lv in (("create", hc, dc, lc), ("revert", hr, dr, lr)):
        how = "mkdir snapshots/s1" if what == "create" else "echo revert > s1/state"
        table.add(f"internal snapshot {what}, running: {how} (median of {args.runs})", md(h),
                  md(lv), "libvirt", L.ratio(md(h), md(lv)), "<= 1.0x", md(h) <= md(lv))
        table.add(f"internal snapshot {what}, running: libvirt's client against hyperfsd",
                  md(d), md(lv), "libvirt", L.ratio(md(d), md(lv)), "<= 1.0x", md(d) <= md(lv))
    write(dom / "state", "destroy")
    ddom.destroy()
    ldom.destroy()
