"""docs.py: small XML documents for the tests (libvirt formats), written to files
that the tests then copy into the tree with cp. Static examples live in
tests/data/; these builders make the variations (names, sizes, node files)."""
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def domain_xml(name, *, uuid=None, memory_kib=524288, current_kib=None, vcpus=None,
               max_vcpus=2, extra=""):
    current = f"  <currentMemory unit='KiB'>{current_kib}</currentMemory>\n" if current_kib else ""
    cur = f" current='{vcpus}'" if vcpus else ""
    u = f"  <uuid>{uuid}</uuid>\n" if uuid else ""
    return (f"<domain type='test'>\n  <name>{name}</name>\n{u}"
            f"  <memory unit='KiB'>{memory_kib}</memory>\n{current}"
            f"  <vcpu{cur}>{max_vcpus}</vcpu>\n"
            f"  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n{extra}</domain>\n")


def network_xml(name, *, uuid=None, bridge="virbr9"):
    u = f"  <uuid>{uuid}</uuid>\n" if uuid else ""
    return (f"<network>\n  <name>{name}</name>\n{u}  <bridge name='{bridge}'/>\n"
            f"  <forward mode='nat'/>\n"
            f"  <ip address='192.168.99.1' netmask='255.255.255.0'/>\n</network>\n")


def pool_xml(name, *, uuid=None, path=None):
    u = f"  <uuid>{uuid}</uuid>\n" if uuid else ""
    return (f"<pool type='dir'>\n  <name>{name}</name>\n{u}"
            f"  <target>\n    <path>{path or '/var/lib/' + name}</path>\n  </target>\n</pool>\n")


def volume_xml(name, *, capacity=1 << 30, allocation=0, fmt="qcow2"):
    return (f"<volume type='file'>\n  <name>{name}</name>\n"
            f"  <capacity unit='bytes'>{capacity}</capacity>\n"
            f"  <allocation unit='bytes'>{allocation}</allocation>\n"
            f"  <target>\n    <format type='{fmt}'/>\n  </target>\n</volume>\n")


def node_xml(n_domains, *, prefix="d", memory_kib=262144, vcpus=2):
    """A node document with n_domains domains named d000... (all running at load,
    as libvirt's test driver starts the domains of a node file)."""
    doms = "".join(
        domain_xml(f"{prefix}{i:03d}", uuid=f"00000000-0000-4000-8000-{i:012d}",
                   memory_kib=memory_kib, vcpus=1, max_vcpus=vcpus)
        for i in range(n_domains))
    return ("<node>\n  <cpu>\n    <mhz>2000</mhz>\n    <model>x86_64</model>\n"
            "    <active>4</active>\n    <nodes>1</nodes>\n    <sockets>1</sockets>\n"
            "    <cores>2</cores>\n    <threads>2</threads>\n  </cpu>\n"
            "  <memory>67108864</memory>\n" + doms + "</node>\n")


def write(dirpath, filename, text):
    p = Path(dirpath) / filename
    p.write_text(text)
    return p
