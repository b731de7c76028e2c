# test_corpus.py: hyperfs's XML model against libvirt's own test documents in
# ../shared/corpus/libvirt-xml (skipped where that folder is absent). Prints a
# pass rate per target and fails when a target from issue 3 is missed.
import collections
import os

import pytest

from xmlcompare import (REPO, canonical_equal, facts, find_tool, first_difference, run)

CORPUS = os.environ.get('HV_CORPUS') or os.path.join(os.path.dirname(REPO), 'shared', 'corpus',
                                                     'libvirt-xml')
TOOL = find_tool()

pytestmark = [
    pytest.mark.skipif(not os.path.isfile(os.path.join(CORPUS, 'MANIFEST.tsv')),
                       reason='libvirt corpus (../shared) not present'),
    pytest.mark.skipif(TOOL is None, reason='hyperfs-xml not built'),
]


def manifest():
    rows = []
    with open(os.path.join(CORPUS, 'MANIFEST.tsv')) as fh:
        head = fh.readline().rstrip('\n').split('\t')
        for line in fh:
            rows.append(dict(zip(head, line.rstrip('\n').split('\t'))))
    return rows


def kind_of(row):
    top = row['file'].split('/')[0]
    if top == 'domain':
        return 'domain/' + row['file'].split('/')[1]
    return top


def path(rel):
    return os.path.join(CORPUS, rel)


def parent_pool(row):
    note = row.get('notes', '')
    if 'parent pool' not in note:
        return None
    if 'dev: ' in note:
        return path(note.split('dev: ')[1].rstrip(')'))
    if 'pool-logical' in note:
        return path('pool/in/pool-logical-create.xml')
    return None


def format_args(row):
    """hyperfs-xml format's options for a row: a volume's parent pool, and
    the qemu driver's post-parse for libvirt's qemu test documents."""
    args = ['format']
    pool = parent_pool(row) if row['file'].startswith('volume/') else None
    if pool:
        args += ['--pool', pool]
    if row['file'].startswith('domain/qemu/'):
        args += ['--driver', 'qemu']
    return args


def read_args(live):
    """hyperfs-xml's reading of a qemu document: live, inactive, or (None) by
    whether it has an id."""
    return [] if live is None else ['--live'] if live else ['--inactive']


def fmt(row, rel=None, live=None):
    return run(TOOL, *(format_args(row) + read_args(live) + [path(rel or row['file'])]))


def qemu_expected(row):
    """[(live, expected output)] of a qemuxml2xml row: qemuxml2xmltest formats
    the input inactive (parsed and formatted with PARSE_INACTIVE and
    FORMAT_INACTIVE) into X-inactive.xml or X.xml and live into X-active.xml
    or X.xml, as the row's when= says (WHEN_BOTH when it says nothing)."""
    if row['role'] != 'input' or row['expect'] != 'roundtrip':
        return []
    files = row['expected_output_or_input'].split(';')
    when = 'WHEN_BOTH'
    for note in row.get('notes', '').split():
        if note.startswith('when='):
            when = note[len('when='):]
    out = []
    for live, tag in ((False, 'INACTIVE'), (True, 'ACTIVE')):
        if tag not in when.replace('BOTH', 'INACTIVE ACTIVE'):
            continue
        suffix = '-active.xml' if live else '-inactive.xml'
        own = [f for f in files if f.endswith(suffix)]
        plain = [f for f in files if not f.endswith(('-active.xml', '-inactive.xml'))]
        exp = (own or plain or [None])[0]
        if exp == '=input':
            exp = row['file']
        if exp and os.path.exists(path(exp)):
            out.append((live, exp))
    return out


def report(name, results, target):
    print('\n%s (target %.0f%%):' % (name, target * 100))
    worst = 1.0
    for kind in sorted(results):
        ok, total, fails = results[kind]
        rate = ok / total if total else 1.0
        worst = min(worst, rate)
        print('  %-16s %4d/%-4d %6.1f%%' % (kind, ok, total, rate * 100))
        for f in fails[:8]:
            print('      FAIL %s' % f)
    return worst


def tally():
    return collections.defaultdict(lambda: [0, 0, []])


def add(res, kind, ok, what):
    res[kind][1] += 1
    if ok:
        res[kind][0] += 1
    else:
        res[kind][2].append(what)


def test_validation_agrees_with_libvirt():
    res = tally()
    for row in manifest():
        want = row['schema'].split(':')[0] == 'rng-valid'
        rc, _, err = run(TOOL, 'validate', '--schema-only', path(row['file']))
        add(res, kind_of(row), (rc == 0) == want, '%s: %s' % (row['file'], err.strip()[:200]))
    assert report('grammar agrees with libvirt', res, 0.99) >= 0.99


def expected_output(row):
    exp = row['expected_output_or_input']
    if row['role'] != 'input' or row['expect'] != 'roundtrip':
        return None
    if exp.startswith('=input'):
        return row['file']
    return exp


def test_formatted_output_matches_libvirt():
    res = tally()
    for row in manifest():
        if row['file'].startswith('domain/qemu'):
            continue
        exp = expected_output(row)
        if not exp or not os.path.exists(path(exp)):
            continue
        rc, out, err = fmt(row)
        want = open(path(exp)).read()
        ok = rc == 0 and canonical_equal(out, want)
        why = err.strip() if rc else (first_difference(out, want) if rc == 0 and out else '')
        add(res, kind_of(row), ok, '%s: %s' % (row['file'], why))
    assert report('output equals libvirt (canonical)', res, 0.95) >= 0.95


def qemu_valid(row):
    return (row['file'].startswith('domain/qemu/in/') and row['schema'].startswith('rng-valid')
            and row['expect'] in ('roundtrip', 'argv-ok', 'argv-failure'))


def test_qemu_inputs_keep_every_value():
    res = tally()
    for row in manifest():
        if not qemu_valid(row):
            continue
        # read live: the inactive reading leaves out what libvirt's
        # PARSE_INACTIVE does (an id, a block job's mirror, labelskip)
        rc, out, err = fmt(row, live=True)
        if rc != 0:
            add(res, 'domain/qemu', False, '%s: %s' % (row['file'], err.strip()))
            continue
        given = facts(open(path(row['file'])).read())
        missing = given - facts(out)
        for _live, exp in qemu_expected(row)[-1:]:
            # what libvirt itself drops (a default, ignored input) may go
            missing &= facts(open(path(exp)).read())
        add(res, 'domain/qemu', not missing, '%s: lost %s' % (row['file'], sorted(missing)[:3]))
    assert report('QEMU inputs: every value kept', res, 1.0) >= 1.0


def test_format_is_a_fixed_point(tmp_path):
    res = tally()
    for row in manifest():
        if row['role'] != 'input' and row['role'] != 'schema-only':
            continue
        for live in ((False, True) if row['file'].startswith('domain/qemu/') else (None,)):
            extra = read_args(live)
            rc, once, _ = fmt(row, live=live)
            if rc != 0:
                continue
            f = tmp_path / 'once.xml'
            f.write_text(once)
            rc2, twice, err = run(TOOL, *(format_args(row) + extra + [str(f)]))
            add(res, kind_of(row) + ('/live' if live else ''), rc2 == 0 and once == twice,
                '%s: %s' % (row['file'], err.strip()))
    assert report('format(parse(format(parse(x)))) == format(parse(x))', res, 1.0) >= 1.0


def test_parse_errors_rejected_with_reason():
    res = tally()
    for row in manifest():
        kind = kind_of(row)
        if row['expect'] != 'parse-error' or kind not in ('network', 'domain/generic'):
            continue
        rc, _, err = run(TOOL, 'validate', path(row['file']))
        add(res, kind, rc != 0 and 'invalid:' in err, '%s: rc=%d %s' % (row['file'], rc, err.strip()))
    assert report('parse errors rejected', res, 1.0) >= 1.0


def test_other_parse_errors_informational():
    """QEMU parse-error cases: libvirt's QEMU driver rejects them; we report how many we do."""
    res = tally()
    for row in manifest():
        if row['expect'] != 'parse-error' or kind_of(row) != 'domain/qemu':
            continue
        rc, _, err = run(TOOL, 'validate', '--driver', 'qemu', path(row['file']))
        add(res, 'domain/qemu', rc != 0, row['file'])
    report('QEMU parse-error cases rejected (informational)', res, 0.0)


def test_qemu_outputs_informational():
    """qemuxml2xml outputs carry the QEMU driver's post-parse additions (PCI
    addresses, implicit controllers); we report how many we reproduce, per
    input (equal when every output qemuxml2xmltest compares it with is) and
    per output, inactive and live."""
    res = tally()
    for row in manifest():
        if not row['file'].startswith('domain/qemu'):
            continue
        outs = qemu_expected(row)
        if not outs:
            continue
        whys = []
        for live, exp in outs:
            rc, out, err = fmt(row, live=live)
            want = open(path(exp)).read()
            ok = rc == 0 and canonical_equal(out, want)
            mode = 'live' if live else 'inactive'
            add(res, 'domain/qemu ' + mode, ok, '%s: %s' % (exp, err.strip() if rc else
                                                         first_difference(out, want)))
            if not ok:
                whys.append('%s (%s): %s' % (exp, mode, err.strip() if rc else
                                             first_difference(out, want)))
        add(res, 'domain/qemu', not whys, '; '.join(whys))
    report('QEMU outputs equal libvirt (informational)', res, 0.0)
