"""bench/libvirt_storage.py: the storage rows of bench/libvirt (issue 13), beside
the same private libvirtd's storage driver, on the pool types both can run on
this host: dir (a folder), fs (ext4 on a loop device) and disk (a gpt label on
a loop device); each side has a loop device of its own. Not here: logical (libvirt's start
runs vgchange -aay, which needs device-mapper), netfs (libvirt mounts with the
kernel's NFS client, which this kernel lacks), iscsi (iscsiadm and the kernel
initiator), iscsi-direct and rbd (Debian's libvirtd has no such backend
installed).

  - pool start: `echo start > state` against virStoragePoolCreate, each until
    it returns (then stop / destroy), median of --runs; dir100 is a dir pool
    holding 100 raw files, which each side inspects at start;
  - volume create: the volume document written into volumes/ (open, write,
    close: what cp does, without timing cp's own start) against
    virStorageVolCreateXML of the same document (a sparse 64 MiB raw file; an
    8 MiB partition on disk), then rmdir / virStorageVolDelete, median of
    --runs.
Each side has its own images, loop devices and folders; all are removed."""
import statistics
import subprocess
import time

VOL = "<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity>" \
      "<allocation>0</allocation>{fmt}</volume>"


def pool_xml(kind, name, where, dev=None):
    if kind.startswith("dir"):
        return f"<pool type='dir'><name>{name}</name><target><path>{where}</path></target></pool>"
    if kind == "fs":
        return (f"<pool type='fs'><name>{name}</name><source><device path='{dev}'/>"
                f"<format type='ext4'/></source><target><path>{where}</path></target></pool>")
    return (f"<pool type='disk'><name>{name}</name><source><device path='{dev}'/>"
            f"<format type='gpt'/></source><target><path>/dev</path></target></pool>")


def sh(cmd):
    return subprocess.run(["bash", "-c", cmd], check=True, capture_output=True,
                          text=True).stdout.strip()


def part_storage(args, tmp, cleanup, table, hvbin, lvd, L):
    """L: the bench/libvirt module (Mount, ratio, libvirt)."""
    libvirt = L.libvirt
    root = tmp / "stor-root"
    mnt = L.Mount(tmp / "smnt", [("s", f"qemu:///system?root={root}")], tmp / "hyperfs-stor.log")
    mnt.start()
    cleanup.append(mnt.stop)
    node = tmp / "smnt/s"

    def h_pools_cleanup():
        """hyperfs's pools stopped (an fs pool's mount outlives hyperfs), and
        any mount left under tmp but the tree's own, before the mount goes."""
        for pool in (node / "pools").iterdir():
            subprocess.run(["bash", "-c", f"echo stop > {pool}/state"], capture_output=True)
        for line in open("/proc/self/mountinfo").read().splitlines():
            mp = line.split()[4]
            if mp.startswith(f"{tmp}/") and mp != str(tmp / "smnt"):
                subprocess.run(["umount", "-l", mp], capture_output=True)
    cleanup.append(h_pools_cleanup)
    conn = libvirt.open(f"qemu+unix:///system?socket={lvd.sock}")
    cleanup.append(conn.close)
    loops = []

    def detach():
        for dev in loops:
            subprocess.run(["losetup", "-d", dev], capture_output=True)
    cleanup.append(detach)

    def write(path, text):
        with open(path, "w") as f:
            f.write(text + "\n")

    def setup(kind, side):
        """(pool document, the volume's name) for one side."""
        where = tmp / f"{kind}-{side}"
        dev = None
        if kind == "fs":
            img = tmp / f"{kind}-{side}.img"
            sh(f"truncate -s 256M {img} && mkfs.ext4 -q {img}")
            dev = sh(f"losetup -f --show {img}")
            loops.append(dev)
        elif kind == "disk":
            img = tmp / f"{kind}-{side}.img"
            sh(f"truncate -s 256M {img}")
            dev = sh(f"losetup -f --show -P {img}")
            loops.append(dev)
            sh(f"parted -s {dev} mklabel gpt")
        if kind != "disk":
            where.mkdir()
        if kind == "dir100":  # a pool that holds volumes: each is inspected at start
            for k in range(100):
                with open(where / f"img{k:03}.raw", "wb") as f:
                    f.truncate(1 << 20)
        vol = f"{dev.split('/')[-1]}p1" if kind == "disk" else "v.raw"
        return pool_xml(kind, f"b{kind}{side}", where, dev), vol

    for kind in ("dir", "dir100", "fs", "disk"):
        hdoc, hvol = setup(kind, "h")
        ldoc, lvol = setup(kind, "l")
        ldev = loops[-1:]
        f = tmp / f"{kind}.xml"
        f.write_text(hdoc)
        subprocess.run(["cp", str(f), str(node / "pools/")], check=True)
        hp = node / f"pools/b{kind}h"
        lp = conn.storagePoolDefineXML(ldoc)

        def lv_pool_cleanup(lp=lp):
            try:
                if lp.isActive():
                    lp.destroy()
                lp.undefine()
            except libvirt.libvirtError:
                pass
        cleanup.append(lv_pool_cleanup)
        fmt = "" if kind == "disk" else "<target><format type='raw'/></target>"
        mib = 8 if kind == "disk" else 64
        hvx, lvx = (VOL.format(name=n, mib=mib, fmt=fmt) for n in (hvol, lvol))
        hs, ls_, hc, lc = [], [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            write(hp / "state", "start")
            hs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            lp.create()
            ls_.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write(hp / "volumes" / "v.xml", hvx)
            hc.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            v = lp.createXML(lvx, 0)
            lc.append(time.perf_counter() - t0)
            subprocess.run(["rmdir", str(hp / "volumes" / hvol)], check=True)
            if kind == "disk":  # libvirt's delete runs `parted DEV rm p1` on a loop device:
                lp.destroy()    # its number is wrong there, so the partition goes by hand
                sh(f"sfdisk -q --delete {ldev[0]} 1 && partx -d --nr 1 {ldev[0]} || true")
            else:
                v.delete(0)
                lp.destroy()
            write(hp / "state", "stop")
        for what, h, lv in (("pool start", hs, ls_), ("volume create", hc, lc)):
            h, lv = statistics.median(h), statistics.median(lv)
            table.add(f"{kind} {what} (median of {args.runs})", h, lv, "libvirt",
                      L.ratio(h, lv), "<= 1.0x", h <= lv)
        subprocess.run(["rmdir", str(hp)], check=True)
        lp.undefine()
