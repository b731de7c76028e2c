# test_rules.py: one hand-written case per normalisation rule or check in the
# conf/ rule tables (conf/rules_*.c, docs/xml.md), none taken from libvirt's
# corpus: tests/xml/rules/KIND/NAME.xml formats to NAME.want byte for byte
# (the expected output written from reading the libvirt v4.0.0 function the
# case's comment names) and that output is a fixed point; or it is refused
# with the reason in NAME.err. Volumes named POOLTYPE-*.xml are formatted in
# the context of rules/volume/context/POOLTYPE.xml; the cases in rules/qemu/
# are formatted as the qemu driver shows them (--driver qemu: its post-parse),
# read as an inactive definition when named inactive-*.xml (--inactive), as
# a live one when named live-*.xml (--live), else by whether they have an id.
import glob
import os

import pytest

from xmlcompare import REPO, find_tool, run

RULES = os.path.join(REPO, 'tests', 'xml', 'rules')
TOOL = find_tool()

pytestmark = pytest.mark.skipif(TOOL is None, reason='hyperfs-xml not built')


def cases():
    return sorted(glob.glob(os.path.join(RULES, '*', '*.xml')))


def pool_args(path):
    if os.path.basename(os.path.dirname(path)) == 'qemu':
        read = {'inactive': ['--inactive'], 'live': ['--live']}
        return ['--driver', 'qemu'] + read.get(os.path.basename(path).split('-')[0], [])
    if os.path.basename(os.path.dirname(path)) != 'volume':
        return []
    ctx = os.path.join(RULES, 'volume', 'context', os.path.basename(path).split('-')[0] + '.xml')
    return ['--pool', ctx] if os.path.exists(ctx) else []


@pytest.mark.parametrize('path', cases(), ids=lambda p: os.path.relpath(p, RULES))
def test_rule(path, tmp_path):
    base = os.path.splitext(path)[0]
    rc, out, err = run(TOOL, *(['format'] + pool_args(path) + [path]))
    if os.path.exists(base + '.err'):
        want = open(base + '.err').read().strip()
        assert rc != 0, '%s was accepted:\n%s' % (path, out)
        assert want in err, err
        return
    assert rc == 0, err
    assert out == open(base + '.want').read()
    again = tmp_path / 'once.xml'
    again.write_text(out)
    rc, twice, err = run(TOOL, *(['format'] + pool_args(path) + [str(again)]))
    assert rc == 0 and twice == out, 'not a fixed point:\n' + twice


def test_docs_hold_the_tables():
    """docs/xml.md carries the rule tables exactly as conf/rules_*.c has them."""
    import ruletables
    doc = os.path.join(REPO, 'docs', 'xml.md')
    text = open(doc).read()
    want = ruletables.markdown()
    start, end = text.find(ruletables.BEGIN), text.find(ruletables.END)
    assert start >= 0 and end > start, 'docs/xml.md has no generated rule tables'
    if os.environ.get('HV_REGEN') == '1':
        with open(doc, 'w') as fh:
            fh.write(text[:start] + want + text[end + len(ruletables.END):])
        return
    assert text[start:end + len(ruletables.END)] == want, \
        'docs/xml.md and conf/rules_*.c disagree (HV_REGEN=1 rewrites the tables)'


def _key(path, op, name, value, when):
    ops = ['HV_RULE_DROP_ATTR', 'HV_RULE_ADD_ATTR', 'HV_RULE_SET_ATTR', 'HV_RULE_LOWER_ATTR',
           'HV_RULE_YESNO_ATTR', 'HV_RULE_IP_ATTR', 'HV_RULE_UINT_ATTR', 'HV_RULE_DROP_CHILD',
           'HV_RULE_ADD_CHILD', 'HV_RULE_KIB_TEXT', 'HV_RULE_KIB_ATTR', 'HV_RULE_KEEP_CHILDREN',
           'HV_RULE_ATTR_ORDER', 'HV_RULE_DROP_EMPTY', 'HV_RULE_DROP_SELF', 'HV_RULE_NUM_ATTR',
           'HV_RULE_CHILD_ORDER', 'HV_RULE_USBVER_ATTR', 'HV_RULE_PCI_NUM', 'HV_RULE_PCI_FULL',
           'HV_RULE_POW2_ATTR', 'HV_RULE_ADD_TEXT']
    return 'rule %s|%d|%s|%s|%s' % (path, ops.index(op), name or '', value or '', when or '')


def uncovered_rows():
    """Rows of the rule and check tables that no case in tests/xml/rules hits."""
    import ruletables
    hits = set()
    env = dict(os.environ, G_MESSAGES_DEBUG='hv-rules')
    for path in cases():
        import subprocess
        p = subprocess.run([TOOL, 'format'] + pool_args(path) + [path], capture_output=True,
                           text=True, env=env, timeout=30)
        for line in (p.stdout + p.stderr).splitlines():
            if 'hv-rules-DEBUG' in line:
                hits.add(line.split(': ', 3)[-1])
    missing = []
    for table, (kind, rows, _src) in ruletables.tables().items():
        for row in rows:
            if kind == 'Rule':
                key = _key(*row[:5])
            elif kind == 'QemuCheck':
                key = 'check %s|%s' % (row[1], row[2] or '')
            else:
                key = 'check %s|%s' % (row[0], row[1])
            if key not in hits:
                missing.append('%s: %s' % (table, key))
    return missing


def test_every_row_has_a_case():
    missing = uncovered_rows()
    print('\n%d rows without a case:\n  %s' % (len(missing), '\n  '.join(missing)))
    assert not missing
