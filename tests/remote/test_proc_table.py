"""test_proc_table.py: the procedure table of tests/README.md ("Procedures")
against the code: every row of remote/proto.c's table is in it with its number,
libvirt API name and status (implemented, or libvirt's "not supported" for
every hyperfs driver: the h_no_support rows), the counts match, and no other
row says it is served. The rows the code lacks (remote_protocol.x names of
libvirt 4.0, the numbers up to 390) say "not implemented". HV_REGEN=1 rewrites
the table from the code (keeping those rows) for review."""
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "tests" / "README.md"
BEGIN, END = "<!-- procedures: begin -->", "<!-- procedures: end -->"
STATUS = {True: "not supported by any driver", False: "implemented"}


def code_rows():
    text = (ROOT / "remote" / "proto.c").read_text()
    table = text[text.index("static const RpcProc procs[] = {"):]
    table = table[:table.index("\n};")]
    rows = {}
    for m in re.finditer(r'\{ (\d+), "(\w+)",(.*?)\},\n', table, re.S):
        handler = re.findall(r"\b(h_\w+)", m.group(3))[-1]
        reads = re.search(r"h_\w+,\s*([^,]*),\s*\w+\s*$", m.group(3).strip(), re.S)
        rows[int(m.group(1))] = (m.group(2), STATUS[handler == "h_no_support"],
                                 "yes" if reads and re.search(r"\bR\b", reads.group(1)) else "no")
    return rows


def readme_rows():
    text = README.read_text()
    body = text[text.index(BEGIN) + len(BEGIN):text.index(END)]
    rows = {}
    for line in body.splitlines():
        m = re.match(r"\| (\d+) \| (\S+) \| ([^|]+) \| (\S+) \|", line)
        if m:
            rows[int(m.group(1))] = (m.group(2), m.group(3).strip(), m.group(4))
    return rows


def render(rows):
    served = sum(1 for r in rows.values() if r[1] != "not implemented")
    out = [BEGIN, "", f"{len(rows)} procedures: {served} answered by hyperfsd "
           f"({sum(1 for r in rows.values() if r[1] == STATUS[False])} implemented, "
           f"{sum(1 for r in rows.values() if r[1] == STATUS[True])} with libvirt's "
           "\"not supported\" for every driver), the rest not implemented (an unknown "
           "procedure: VIR_ERR_NO_SUPPORT).", "",
           "| number | procedure | status | read-only clients |", "|---|---|---|---|"]
    out += [f"| {n} | {r[0]} | {r[1]} | {r[2]} |" for n, r in sorted(rows.items())]
    return "\n".join(out + ["", END])


def test_readme_procedure_table_matches_the_code():
    code, doc = code_rows(), readme_rows()
    merged = {n: r for n, r in doc.items() if r[1] == "not implemented" and n not in code}
    merged.update(code)
    if os.environ.get("HV_REGEN") == "1":
        text = README.read_text()
        a, b = text.index(BEGIN), text.index(END) + len(END)
        README.write_text(text[:a] + render(merged) + text[b:])
        doc = readme_rows()
    for n, row in code.items():
        assert doc.get(n) == row, f"procedure {n}: README says {doc.get(n)}, the code {row}"
    stray = [n for n, r in doc.items() if n not in code and r[1] != "not implemented"]
    assert not stray, f"README rows the code does not serve: {stray}"
    text = README.read_text()
    assert render(merged).splitlines()[2] in text, "the README's counts are not the code's"
