"""Redefining a domain through config.xml: written by cat, tee, sed -i and a
rename; checked at close(2): a bad document fails close with EINVAL (EFBIG when
over 4 MiB) and the old definition stays."""
import errno
import os
import re
import time
import xml.etree.ElementTree as ET

import pytest

from helpers.mount import DEFAULT_URI
from helpers.tools import (assert_error, cat, fails, ls, ok, read_token, run, sh, snapshot,
                           state, write_ok)
from test_domain_files import DOMAIN_FILES, kib_of


def with_description(text, desc):
    """The document with a <description> after <name> (there is none in it yet)."""
    assert "<description>" not in text
    return re.sub(r"(</name>)", rf"\1\n  <description>{desc}</description>", text, count=1)


def with_current_memory(text, kib):
    new, n = re.subn(r"<currentMemory[^>]*>\d+</currentMemory>",
                     f"<currentMemory unit='KiB'>{kib}</currentMemory>", text)
    assert n == 1, text
    return new


def shut_off(node):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    return d


def test_cat_into_config_xml_redefines(node, tmp_path):
    d = shut_off(node)
    new = with_current_memory(with_description(cat(d / "config.xml"), "from cat"), 262144)
    src = tmp_path / "new.xml"
    src.write_text(new)
    ok(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")))
    assert read_token(d / "memory") == "262144"
    root = ET.fromstring(cat(d / "config.xml"))
    assert root.findtext("description") == "from cat"
    assert cat(d / "live.xml") == cat(d / "config.xml")
    assert sorted(ls(d)) == DOMAIN_FILES
    assert cat(d / "error") == ""


def test_tee_into_config_xml_redefines(node, tmp_path):
    d = shut_off(node)
    src = tmp_path / "new.xml"
    src.write_text(with_description(cat(d / "config.xml"), "from tee"))
    ok(sh('tee "$2" < "$1" > /dev/null', str(src), str(d / "config.xml")))
    assert ET.fromstring(cat(d / "config.xml")).findtext("description") == "from tee"


def test_sed_i_on_config_xml_redefines(node):
    d = shut_off(node)
    ok(run(["sed", "-i",
            r"s|<currentMemory[^>]*>[0-9]*</currentMemory>|<currentMemory unit='KiB'>262144</currentMemory>|",
            d / "config.xml"]))
    assert read_token(d / "memory") == "262144"
    assert kib_of(ET.fromstring(cat(d / "config.xml")).find("currentMemory")) == 262144
    assert sorted(ls(d, "-A")) == DOMAIN_FILES, "sed's temporary file was left behind"


def test_rename_over_config_xml_commits(node, tmp_path):
    d = shut_off(node)
    src = tmp_path / "new.xml"
    src.write_text(with_description(cat(d / "config.xml"), "renamed in"))
    ok(run(["cp", src, d / ".config.xml.swp"]))
    ok(run(["mv", d / ".config.xml.swp", d / "config.xml"]))
    assert ET.fromstring(cat(d / "config.xml")).findtext("description") == "renamed in"
    assert sorted(ls(d, "-A")) == DOMAIN_FILES


def test_redefining_a_running_domain_changes_config_not_live(node, tmp_path):
    d = node / "domains/test"
    live_before = cat(d / "live.xml")
    mem_before = read_token(d / "memory")
    src = tmp_path / "new.xml"
    src.write_text(with_current_memory(with_description(cat(d / "config.xml"), "next boot"),
                                       262144))
    ok(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")))
    assert ET.fromstring(cat(d / "config.xml")).findtext("description") == "next boot"
    assert cat(d / "live.xml") == live_before
    assert read_token(d / "memory") == mem_before
    assert state(d) == "running"
    write_ok(d / "state", "destroy")
    assert ET.fromstring(cat(d / "live.xml")).findtext("description") == "next boot"
    assert read_token(d / "memory") == "262144"


def bad_doc_cases(d, data, tmp_path):
    cur = cat(d / "config.xml")
    return {
        "malformed": (data / "bad-malformed.xml").read_text(),
        "not-xml": "this is not xml\n",
        "wrong-root": (data / "bad-not-a-domain.xml").read_text(),
        "truncated": cur[: len(cur) // 2],
        "entity-bomb": (data / "bad-entity-bomb.xml").read_text(),
        "external-entity": (data / "bad-external-entity.xml").read_text(),
        "other-name": cur.replace("<name>test</name>", "<name>renamed</name>"),
        "bad-memory": with_current_memory(cur, 0).replace(
            re.search(r"<memory[^>]*>\d+</memory>", cur).group(0),
            "<memory unit='KiB'>-5</memory>"),
        "two-roots": cur + cur,
        "deep": cur.replace("</name>", "</name>" + "<a>" * 20000 + "</a>" * 20000),
        "nul-byte": cur.replace("</name>", "</name>\0"),
    }


CASES = ["malformed", "not-xml", "wrong-root", "truncated", "entity-bomb", "external-entity",
         "other-name", "bad-memory", "two-roots", "deep", "nul-byte"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("running", [True, False], ids=["running", "shutoff"])
def test_bad_document_fails_close_with_einval(node, data, tmp_path, case, running):
    d = node / "domains/test"
    if not running:
        write_ok(d / "state", "destroy")
    doc = bad_doc_cases(d, data, tmp_path)[case]
    before = snapshot(d)
    doms_before = ls(node / "domains")
    src = tmp_path / "bad.xml"
    src.write_text(doc)
    fails(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")), errno.EINVAL)
    assert snapshot(d) == before
    assert ls(node / "domains") == doms_before
    m = assert_error(d, errno.EINVAL, file="config.xml")
    assert "root:" not in cat(d / "error") and "root:" not in cat(d / "config.xml")
    assert m["msg"]


def test_close_reports_einval_to_the_exact_call(node, data):
    """The bad document is refused by close(2) itself, not by write(2)."""
    d = node / "domains/test"
    before = cat(d / "config.xml")
    fd = os.open(d / "config.xml", os.O_WRONLY | os.O_TRUNC)
    doc = (data / "bad-malformed.xml").read_bytes()
    assert os.write(fd, doc) == len(doc)
    with pytest.raises(OSError) as e:
        os.close(fd)
    assert e.value.errno == errno.EINVAL
    assert cat(d / "config.xml") == before


def test_external_entity_leaks_nothing(node, data, tmp_path):
    d = node / "domains/test"
    fails(sh('cat "$1" > "$2"', str(data / "bad-external-entity.xml"), str(d / "config.xml")),
          errno.EINVAL)
    passwd_line = open("/etc/passwd").readline().strip()
    for f in ["config.xml", "live.xml", "error"]:
        assert passwd_line not in cat(d / f)
    assert passwd_line not in cat(node / "node/error")


def test_oversize_config_xml_is_efbig(node, tmp_path):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    before = snapshot(d)
    big = with_description(cat(d / "config.xml"), "x" * (5 << 20))
    src = tmp_path / "big.xml"
    src.write_text(big)
    fails(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")), errno.EFBIG)
    assert snapshot(d) == before
    assert_error(d, errno.EFBIG, file="config.xml")


def test_document_just_under_4_mib_is_accepted(node, tmp_path):
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    doc = cat(d / "config.xml")
    pad = (4 << 20) - len(with_description(doc, "")) - 4096
    src = tmp_path / "large.xml"
    src.write_text(with_description(doc, "y" * pad))
    ok(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")))
    assert len(ET.fromstring(cat(d / "config.xml")).findtext("description")) == pad


def test_truncating_open_without_a_document_changes_nothing(node):
    d = node / "domains/test"
    before = snapshot(d)
    sh(': > "$1"', str(d / "config.xml"))
    assert snapshot(d) == before


def test_sed_i_that_breaks_the_document_fails_and_changes_nothing(node):
    d = node / "domains/test"
    before = snapshot(d)
    r = run(["sed", "-i", "s|</domain>||", d / "config.xml"])
    fails(r, errno.EINVAL)
    assert snapshot(d) == before
    assert sorted(ls(d, "-A")) == DOMAIN_FILES
    assert_error(d, errno.EINVAL)


def test_xinclude_leaks_nothing(node, tmp_path):
    """An XInclude of /etc/passwd is never processed: whether the document is
    refused or kept, no byte of the file shows anywhere."""
    d = node / "domains/test"
    write_ok(d / "state", "destroy")
    doc = cat(d / "config.xml").replace(
        "<domain ", "<domain xmlns:xi='http://www.w3.org/2001/XInclude' ", 1).replace(
        "</name>", "</name>\n  <description><xi:include href='/etc/passwd' parse='text'/>"
                   "</description>", 1)
    src = tmp_path / "xi.xml"
    src.write_text(doc)
    sh('cat "$1" > "$2"', str(src), str(d / "config.xml"))
    passwd_line = open("/etc/passwd").readline().strip()
    for f in ["config.xml", "live.xml", "error", "info"]:
        assert passwd_line not in cat(d / f), f


def peak_rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic"])
def test_entity_bombs_are_refused_in_bounded_time_and_memory(mount_factory, data, tmp_path, kind):
    """An entity bomb is refused with EINVAL without being expanded: expanded,
    the billion laughs are 3 GB of text and the quadratic blow-up (one 64 KiB
    entity used 60,000 times) almost 4 GB. The refusal takes well under 10 s
    and the daemon's peak memory grows by less than 64 MiB."""
    m = mount_factory(DEFAULT_URI)
    d = m.node() / "domains/test"
    if kind == "billion-laughs":
        doc = (data / "bad-entity-bomb.xml").read_text()
    else:
        doc = ('<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY a "' + "a" * 65536 + '">]>\n'
               "<domain type='test'><name>bomb</name><description>" + "&a;" * 60000 +
               "</description><memory unit='KiB'>524288</memory><vcpu>1</vcpu>"
               "<os><type>hvm</type></os></domain>\n")
    src = tmp_path / "bomb.xml"
    src.write_text(doc)
    before = cat(d / "config.xml")
    peak = peak_rss_kib(m.pid)
    t0 = time.monotonic()
    fails(sh('cat "$1" > "$2"', str(src), str(d / "config.xml")), errno.EINVAL)
    took = time.monotonic() - t0
    grew = peak_rss_kib(m.pid) - peak
    assert took < 10, f"the refusal took {took:.1f} s"
    assert grew < 64 * 1024, f"the daemon's peak memory grew by {grew} KiB"
    assert cat(d / "config.xml") == before
    assert_error(d, errno.EINVAL, file="config.xml")
