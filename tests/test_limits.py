"""Bounded everything (issue 10, item 4): the temporary files tools create in a
folder (sed -i, cp, rsync's dot-named ones that stay until renamed or
removed) are at most 32 a folder and 16 MiB in all there; past that,
creating or growing one fails with ENOSPC, changes nothing, and the folder's
error file (node/error for a collection) says why."""
import errno

from helpers.tools import ERROR_LINE, assert_error, cat, fails, ls, ok, run, sh

MAX_FILES = 32
MAX_BYTES = 16 << 20


def test_a_collection_holds_at_most_32_temporary_files(node):
    d = node / "domains"
    before = ls(d, "-A")
    ok(sh(f'for i in $(seq {MAX_FILES}); do echo x > "$1/.part$i"; done', d))
    assert len(ls(d, "-A")) == len(before) + MAX_FILES
    fails(sh('echo x > "$1/.part-too-many"', d), errno.ENOSPC)
    m = assert_error(node / "node", errno.ENOSPC, "domains/.part-too-many")
    assert "32 temporary files" in m["msg"], m.group(0)
    assert ".part-too-many" not in ls(d, "-A")
    # rm frees a place
    ok(run(["rm", d / ".part1"]))
    ok(sh('echo x > "$1/.part-again"', d))
    ok(sh('rm -f "$1"/.part*', d))
    assert ls(d, "-A") == before


def test_the_temporary_files_of_a_folder_hold_at_most_16_mib(node):
    d = node / "domains/test"
    before = ls(d, "-A")
    ok(sh('for i in 1 2 3 4; do head -c 4194304 /dev/zero > "$1/.big$i"; done', d))
    fails(sh('echo x > "$1/.big5"', d), errno.ENOSPC)  # created, but its byte is refused
    m = assert_error(d, errno.ENOSPC, ".big5")
    assert "hold %d bytes" % MAX_BYTES in m["msg"], m.group(0)
    fails(run(["truncate", "-s", "1", d / ".big5"]), errno.ENOSPC)
    ok(run(["truncate", "-s", "0", d / ".big4"]))  # shrinking frees room
    ok(sh('echo x > "$1/.big5"', d))
    assert cat(d / ".big5") == "x\n"
    ok(sh('rm -f "$1"/.big*', d))
    assert ls(d, "-A") == before
    assert cat(d / "state") == "running\n"
