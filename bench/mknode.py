#!/usr/bin/python3
"""mknode.py: writes a libvirt test-driver node document with N domains (for bench/
and the scale tests). Usage: mknode.py [--no-devices] N OUT.xml
--no-devices leaves out each domain's <devices> (a disk and a NIC), which makes the
document about half the size (10,000 domains: 2.8 MB instead of 5.9 MB)."""
import sys


def devices(i):
    return f"""    <devices>
      <disk type='file' device='disk'>
        <source file='/var/lib/images/vm{i:05d}.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <interface type='network'>
        <mac address='52:54:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}'/>
        <source network='default'/>
      </interface>
    </devices>
"""


def domain(i, with_devices):
    return f"""  <domain type='test'>
    <name>vm{i:05d}</name>
    <uuid>{i:08x}-0000-4000-8000-{i:012x}</uuid>
    <memory unit='KiB'>1048576</memory>
    <currentMemory unit='KiB'>524288</currentMemory>
    <vcpu>2</vcpu>
    <os>
      <type arch='x86_64'>hvm</type>
    </os>
{devices(i) if with_devices else ""}  </domain>
"""


def main():
    args = sys.argv[1:]
    with_devices = "--no-devices" not in args
    args = [a for a in args if a != "--no-devices"]
    if len(args) != 2 or not args[0].isdigit():
        sys.exit("usage: mknode.py [--no-devices] N OUT.xml")
    n, out = int(args[0]), args[1]
    with open(out, "w") as f:
        f.write("<node>\n  <cpu><mhz>2400</mhz><model>x86_64</model><active>64</active>"
                "<nodes>2</nodes><sockets>2</sockets><cores>16</cores><threads>2</threads></cpu>\n"
                "  <memory>268435456</memory>\n")
        for i in range(n):
            f.write(domain(i, with_devices))
        f.write("""  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward mode='nat'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/>
  </network>
</node>
""")


if __name__ == "__main__":
    main()
