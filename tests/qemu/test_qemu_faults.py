"""Faults a real QEMU shows: a KVM guest that KVM cannot run is crashed with
the reason in `error`, never `running` (when KVM reports the fault: on this
machine it does not, see the skip below); two domains never write one disk."""
import errno
import os
import subprocess
import time

import pytest


def define_with(q, tmp_path, name, xml):
    src = tmp_path / f"{name}.xml"
    src.write_text(xml)
    subprocess.run(["cp", str(src), str(q.node / "domains")], check=True)
    return q.dom(name)


@pytest.mark.skipif(not os.access("/dev/kvm", os.R_OK | os.W_OK), reason="no usable /dev/kvm")
def test_kvm_failure_shows_in_state_and_error(qemu_node, tmp_path):
    q = qemu_node
    d = define_with(q, tmp_path, "k1",
                    q.domain_xml("k1").replace("<domain type='qemu'>", "<domain type='kvm'>"))
    try:
        (d / "state").write_text("start")
    except OSError as e:
        assert e.errno == errno.EIO
        assert (d / "state").read_text() == "crashed\n"
        err = (d / "error").read_text()
        assert "internal-error" in err and "'k1'" in err, err
        assert "state.state=6" in (d / "stats").read_text()
        (d / "state").write_text("destroy")
        assert (d / "state").read_text() == "shutoff\n"
        return
    # KVM may fail the guest later than the start check: then the STOP event
    deadline = time.monotonic() + 5
    while (state := (d / "state").read_text()) == "running\n" and time.monotonic() < deadline:
        time.sleep(0.2)
    if state == "crashed\n":
        assert "state.state=6" in (d / "stats").read_text()
        (d / "state").write_text("destroy")
        return
    info = (d / "info").read_text()
    assert "accelerator: kvm\n" in info, info
    (d / "state").write_text("destroy")
    # Measured here (QEMU 7.2, docs/qemu-driver.md "Faults"): the guest stops
    # in the kernel's decompressor after "Probing EDD", the vCPU spins (HLT=0),
    # query-status stays 'running', no STOP/internal-error/GUEST_PANICKED.
    pytest.skip(f"KVM kept the guest {state.strip()} (no internal error within 5 s: this "
                "/dev/kvm hangs the guest in its decompressor with QEMU reporting "
                "'running', a state no QMP signal tells from a quiet guest; the fault path "
                "itself is covered by the meson test qemu-faults, "
                "tests/unit/qemu/test_qemu_faults.c, with a fake QMP peer)")


def test_disk_shared_in_write_mode_is_refused(qemu_node, tmp_path):
    q = qemu_node
    disk = tmp_path / "shared.img"
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    dev = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
           f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>")
    a = define_with(q, tmp_path, "s1", q.domain_xml("s1", extra_devices=dev))
    b = define_with(q, tmp_path, "s2", q.domain_xml("s2", extra_devices=dev))
    (a / "state").write_text("start")
    try:
        with pytest.raises(OSError) as e:
            (b / "state").write_text("start")
        assert e.value.errno == errno.EBUSY
        err = (b / "error").read_text()
        assert str(disk) in err and "'s1'" in err, err
        assert (b / "state").read_text() == "shutoff\n"
    finally:
        (a / "state").write_text("destroy")
