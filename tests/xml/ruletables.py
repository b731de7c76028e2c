# ruletables.py: reads the rule and check tables out of conf/rules_*.c (their
# string macros expanded) and renders them as the markdown tables of
# docs/xml.md, so the documentation is the code's tables and a test can hold
# one against the other (tests/xml/test_rules.py; HV_REGEN=1 rewrites).
import os
import re

from xmlcompare import REPO

FILES = ['rules_domain.c', 'rules_devices.c', 'rules_inactive.c', 'rules_qemu.c', 'rules_network.c',
         'rules_storage.c']
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[{},]')
BEGIN = '<!-- rule tables: generated from conf/rules_*.c by tests/xml/ruletables.py -->'
END = '<!-- end of rule tables -->'


def _strip_comments(text):
    """Drops /* comments */ but not what looks like one inside a string."""
    return re.sub(r'("(?:[^"\\]|\\.)*")|/\*.*?\*/', lambda m: m.group(1) or '', text,
                  flags=re.S)


def _value(tokens, macros):
    """Concatenates string literals and macros; None for NULL."""
    if tokens == ['NULL']:
        return None
    out = ''
    for t in tokens:
        if t.startswith('"'):
            out += bytes(t[1:-1], 'utf-8').decode('unicode_escape')
        elif t in macros:
            out += macros[t]
    return out


def tables():
    """{table name: [row tuples]} for every HvXmlRule / HvXmlCheck array."""
    result = {}
    for name in FILES:
        text = _strip_comments(open(os.path.join(REPO, 'conf', name)).read())
        macros = {}
        for m in re.finditer(r'^#define (\w+) (.*)$', text, flags=re.M):
            macros[m.group(1)] = _value(TOKEN.findall(m.group(2)), macros)
        for m in re.finditer(r'const Hv(?:Xml(Rule|Check)|(QemuCheck)) (\w+)\[\] = \{(.*?)\n\};', text,
                             flags=re.S):
            rows = []
            for body in re.findall(r'\{([^{}]*)\}', m.group(4)):
                fields, cur = [], []
                for t in TOKEN.findall(body):
                    if t == ',':
                        fields.append(cur)
                        cur = []
                    else:
                        cur.append(t)
                if cur:
                    fields.append(cur)
                vals = [f[0] if f and f[0].startswith('HV_RULE_') else _value(f, macros)
                        for f in fields]
                rows.append(tuple(vals))
            result[m.group(3)] = (m.group(1) or m.group(2), rows, name)
    return result


def _cell(v):
    return '' if v is None else '`%s`' % v.replace('|', '\\|') if v else '""'


def markdown():
    out = [BEGIN, '']
    for table, (kind, rows, source) in tables().items():
        out.append('### `%s` (conf/%s)' % (table, source))
        out.append('')
        if kind == 'Rule':
            out.append('| element | rule | attribute / child | value | when | libvirt |')
            out.append('|---|---|---|---|---|---|')
            for path, op, name, value, when, origin in rows:
                out.append('| %s | %s | %s | %s | %s | %s |' % (
                    _cell(path), op.replace('HV_RULE_', '').lower(), _cell(name), _cell(value),
                    _cell(when), origin.replace('|', '\\|')))
        elif kind == 'QemuCheck':
            out.append('| guest | element | refused when | message | libvirt |')
            out.append('|---|---|---|---|---|')
            for guest, path, when, msg, origin in rows:
                out.append('| %s | %s | %s | %s | %s |' % (_cell(guest), _cell(path), _cell(when), msg,
                                                          origin))
        else:
            out.append('| element | refused when | message | libvirt |')
            out.append('|---|---|---|---|')
            for path, when, msg, origin in rows:
                out.append('| %s | %s | %s | %s |' % (_cell(path), _cell(when), msg, origin))
        out.append('')
    out.append(END)
    return '\n'.join(out)
