"""stats, info, live.xml and screenshot.png of one booted guest (with a raw
disk, a user-mode NIC and a VGA): block counters from query-blockstats after
the kernel probed the disk, per-vCPU lines, the user NIC counted but without
counters (QEMU keeps none for slirp), the accelerator in info and node/info,
the serial pty in live.xml, a valid PNG from screendump."""
import struct
import subprocess
import time

from .conftest import READY


def stats_of(d):
    return dict(line.split("=", 1) for line in (d / "stats").read_text().splitlines())


def test_stats_live_xml_and_screenshot(qemu_node, tmp_path):
    q = qemu_node
    disk = tmp_path / "data.img"
    with open(disk, "wb") as f:
        f.write(b"\xab" * (1 << 20))
    dev = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
           f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"
           "<interface type='user'><model type='virtio'/></interface>"
           "<video><model type='vga'/></video>")
    d = q.define(tmp_path, "st1", extra_devices=dev)
    assert not (d / "live.xml").read_text().count("/dev/pts/")
    (d / "state").write_text("start")
    q.wait_log("st1", READY)
    # the guest reads its disk
    (d / "console").write_text("dd if=/dev/vda of=/dev/null bs=64k 2>/dev/null; echo DD-$((1+1))-DONE\n")
    q.wait_log("st1", "DD-2-DONE", timeout=30)
    s = stats_of(d)
    print(s)
    assert s["state.state"] == "1"
    assert int(s["cpu.time"]) > 0
    assert s["balloon.maximum"] == "262144" and int(s["balloon.current"]) > 0
    assert s["vcpu.current"] == "1" and s["vcpu.maximum"] == "1"
    assert s["vcpu.0.state"] == "1"
    assert 0 < int(s["vcpu.0.time"]) <= int(s["cpu.time"])
    assert s["block.count"] == "1" and s["block.0.name"] == "vda"
    assert s["block.0.path"] == str(disk)
    assert int(s["block.0.rd.bytes"]) >= 1 << 20 and int(s["block.0.rd.reqs"]) > 0
    assert s["net.count"] == "1" and "net.0.name" not in s
    info = (d / "info").read_text()
    assert "accelerator: tcg\n" in info, info
    accels = [l for l in (q.node / "node/info").read_text().splitlines()
              if l.startswith("accelerators: ")]
    assert accels and "tcg" in accels[0].split(), accels

    live = (d / "live.xml").read_text()
    config = (d / "config.xml").read_text()
    assert " id=" in live and " id=" not in config
    pts = subprocess.run(["grep", "-o", "/dev/pts/[0-9]*", str(d / "live.xml")],
                         capture_output=True, text=True).stdout.split()
    assert pts and all(p == pts[0] for p in pts), live
    assert "/dev/pts/" not in config

    t0 = time.monotonic()
    png = (d / "screenshot.png").read_bytes()
    print(f"screenshot: {len(png)} bytes in {time.monotonic() - t0:.2f}s")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    w, h = struct.unpack(">II", png[16:24])
    assert w >= 320 and h >= 200, (w, h)

    (d / "state").write_text("destroy")
    assert (d / "state").read_text() == "shutoff\n"
    assert "/dev/pts/" not in (d / "live.xml").read_text()
    assert not (q.root / "run" / "st1.png").exists()
