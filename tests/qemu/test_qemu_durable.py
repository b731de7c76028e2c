"""Atomic, durable configuration (issue 10, item 10), on a qemu node whose
state folder is ROOT (qemu:///system?root=ROOT), as a user sees it.

- kill -9 in the middle of config writes: a shell keeps rewriting config.xml
  (`cp doc config.xml`, one generation number per document); after it
  has written some, hyperfs is killed with SIGKILL. Afterwards ROOT/lib/NAME.xml
  is a whole document, the last one the shell was told was written or the one
  in flight, and a new mount shows that same document. HV_KILL_ROUNDS rounds
  (20 here; `make soak` runs 200).
- a full state folder (ROOT on a 1 MiB tmpfs, filled up): the write fails with
  ENOSPC, the error file says so, the old configuration stays on disk and in
  the tree, and no temporary file is left; with room again the write works.
"""
import errno
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tests.qemu.conftest import QemuNode

ROUNDS = int(os.environ.get("HV_KILL_ROUNDS", "20"))
NAME = "dur"


def with_gen(doc, gen):
    """The document with <description>gen N</description>."""
    return doc.replace("<name>", f"<description>gen {gen}</description><name>", 1)


def gen_of(text):
    """The generation of a whole saved document; fails on a torn one."""
    root = ET.fromstring(text)  # an empty or partial file does not parse
    assert root.tag == "domain" and root.findtext("name") == NAME, text[:200]
    m = re.fullmatch(r"gen (\d+)", root.findtext("description") or "")
    assert m, f"no generation in {text[:300]!r}"
    return int(m.group(1))


def without_gen(text):
    return re.sub(r"\s*<description>gen \d+</description>", "", text)


def test_config_survives_kill9_mid_write(mount_factory, tmp_path, guest):
    root = tmp_path / "root"
    uri = f"qemu:///system?root={root}"
    mnt = tmp_path / "mnt"
    m = mount_factory(uri, mnt=mnt)
    node = QemuNode(m, root, guest)
    doc = node.domain_xml(NAME)
    (tmp_path / "first.xml").write_text(with_gen(doc, 0))
    subprocess.run(["cp", str(tmp_path / "first.xml"), str(node.node / "domains")], check=True)
    saved = root / "lib" / f"{NAME}.xml"
    assert gen_of(saved.read_text()) == 0
    reference = without_gen(saved.read_text())  # every saved document is this plus its gen
    tmpl = tmp_path / "doc.tmpl"
    tmpl.write_text(with_gen(doc, "GEN"))
    gen, seen_writes = 0, 0
    for r in range(ROUNDS):
        cfg = node.dom(NAME) / "config.xml"
        want = 1 + r % 5  # writes that must have returned before the kill
        # one generation per write; the number is printed once the write returned
        # (cp, not a shell's `>`: the shell ignores an error of the close that
        # commits, so it would count a write the kill cut short)
        writer = subprocess.Popen(
            ["bash", "-c", 'i=$1; while :; do sed "s/GEN/$i/" "$2" > "$4" || exit 9; '
             'cp "$4" "$3" 2>/dev/null || exit 0; echo "$i"; i=$((i+1)); done',
             "writer", str(gen + 1), str(tmpl), str(cfg), str(tmp_path / "next.xml")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        done = []
        for line in writer.stdout:
            done.append(int(line))
            if len(done) >= want:
                break
        m.kill9()  # the writer is in its next write, or about to be
        rest, _ = writer.communicate(timeout=30)
        done += [int(x) for x in rest.split()]
        assert writer.returncode in (0, -9), f"round {r}: the writer failed: {writer.returncode}"
        assert len(done) >= want, f"round {r}: only {len(done)} writes returned"
        seen_writes += len(done)
        m.unmount()
        text = saved.read_text()
        got = gen_of(text)
        last = done[-1]
        assert got in (last, last + 1), f"round {r}: saved gen {got}, last written {last}"
        assert without_gen(text) == reference, f"round {r}: the saved document changed: {text}"
        gen = got
        m = mount_factory(uri, mnt=mnt)
        node = QemuNode(m, root, guest)
        assert os.listdir(node.node / "domains") == [NAME]
        assert gen_of((node.dom(NAME) / "config.xml").read_text()) == gen, f"round {r}"
    print(f"{ROUNDS} kill -9 rounds, {seen_writes} writes returned before the kills")


@pytest.fixture
def small_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "hv-full", str(root)],
                   check=True)
    yield root
    subprocess.run(["umount", "-l", str(root)], check=False)


def test_full_state_folder_refuses_with_enospc(mount_factory, tmp_path, guest, small_root):
    m = mount_factory(f"qemu:///system?root={small_root}")
    node = QemuNode(m, small_root, guest)
    doc = node.domain_xml(NAME)
    (tmp_path / "first.xml").write_text(with_gen(doc, 1))
    subprocess.run(["cp", str(tmp_path / "first.xml"), str(node.node / "domains")], check=True)
    saved = small_root / "lib" / f"{NAME}.xml"
    before = saved.read_text()
    assert gen_of(before) == 1
    tree_before = (node.dom(NAME) / "config.xml").read_text()
    # fill the file system: dd stops at ENOSPC
    r = subprocess.run(["dd", "if=/dev/zero", f"of={small_root}/fill", "bs=4k"],
                       capture_output=True, text=True)
    assert "No space left on device" in r.stderr, r.stderr
    new = tmp_path / "new.xml"
    new.write_text(with_gen(doc, 2))
    r = subprocess.run(["cp", str(new), str(node.dom(NAME) / "config.xml")],
                       capture_output=True, text=True)
    assert r.returncode != 0, "the write into a full state folder succeeded"
    assert os.strerror(errno.ENOSPC) in r.stderr, r.stderr
    err = (node.dom(NAME) / "error").read_text()
    assert "ENOSPC" in err and "No space left on device" in err, err
    assert saved.read_text() == before
    assert (node.dom(NAME) / "config.xml").read_text() == tree_before
    left = [f for f in os.listdir(small_root / "lib") if f.startswith(f"{NAME}.xml.")]
    assert not left, f"temporary files left behind: {left}"
    # with room again, the same write works
    os.unlink(small_root / "fill")
    subprocess.run(["cp", str(new), str(node.dom(NAME) / "config.xml")], check=True)
    assert gen_of(saved.read_text()) == 2
    assert gen_of((node.dom(NAME) / "config.xml").read_text()) == 2
