#!/bin/sh
# build.sh: builds the tiny test guest of the qemu driver's tests from Debian
# packages: the linux-image-cloud-amd64 kernel and a busybox-static initramfs
# whose /init mounts proc/sys/dev, loads a few modules, runs busybox acpid (the
# ACPI power button powers off), prints HYPERFS-GUEST-READY on the console and
# keeps a shell there; hot-plugged CPUs are brought online within a second (no
# udev here). virtio_net and pvpanic are loaded: the tests configure eth0 with
# busybox `ip` (or, with hyperfs.dhcp on the kernel command line, the guest runs
# udhcpc on eth0 itself) and make the guest panic with `echo c > /proc/sysrq-trigger`. Output: OUT/vmlinuz and OUT/initrd.img (OUT defaults to
# tests/.guest-cache), rebuilt only when missing, older than this script's
# `version` (OUT/version), or with -f.
# Usage: tests/guest/build.sh [-f] [OUT]
set -eu
version=4 # bump when the guest changes: cached guests are rebuilt
force=0
[ "${1:-}" = "-f" ] && { force=1; shift; }
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../.guest-cache}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ $force = 0 ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] &&
	[ "$(cat "$out/version" 2>/dev/null)" = "$version" ]; then
	echo "$out"
	exit 0
fi

die() { echo "build.sh: $*" >&2; exit 1; }
kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || die "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep"
busybox=/bin/busybox
! command -v file >/dev/null || file -L "$busybox" | grep -q "statically linked" ||
	die "$busybox is not static: install busybox-static"
command -v cpio >/dev/null || die "cpio is missing: install cpio"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/lib/modules" "$root/etc/acpi/PWRF" "$root/var/run" "$root/var/log"
cp "$busybox" "$root/bin/busybox"

# Modules in load order: each one's dependencies (deepest first), then itself.
wanted="button evdev virtio_pci virtio_balloon virtio_blk virtio_scsi sd_mod sr_mod ata_piix
	virtio_net pvpanic pvpanic-mmio pvpanic-pci"
order=$work/order
: > "$order"
for m in $wanted; do
	line=$(grep -E "/$m\.ko:" "$moddir/modules.dep") || die "module $m not in $kver"
	deps=$(echo "${line#*:}" | tr ' ' '\n' | grep . | tac || true)
	for p in $deps "${line%%:*}"; do
		n=$(basename "$p" .ko)
		grep -qx "$n" "$order" && continue
		cp "$moddir/$p" "$root/lib/modules/$n.ko"
		echo "$n" >> "$order"
	done
done
cp "$order" "$root/etc/modules-order"

# busybox acpid turns KEY_POWER into the PWRF/00000080 action (a script here).
printf 'PWRF PWRF/00000080\nPWRB PWRF/00000080\n' > "$root/etc/acpid.conf"
cat > "$root/etc/acpi/PWRF/00000080" <<'EOS'
#!/bin/sh
echo HYPERFS-GUEST-POWEROFF > /dev/console
poweroff -f
EOS
chmod 755 "$root/etc/acpi/PWRF/00000080"

cat > "$root/init" <<'EOS'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /etc/modules-order); do insmod /lib/modules/$m.ko 2>/dev/null; done
acpid -c /etc/acpi -a /etc/acpid.conf -l /var/log/acpid.log
(while true; do
	for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
		[ "$(cat "$c")" = 0 ] && echo 1 > "$c" && echo "HYPERFS-GUEST-CPU-ONLINE ${c%/online}"
	done
	sleep 1
done) &
# hyperfs.dhcp on the kernel command line: eth0 asks for a DHCP lease at once
# (bench/libvirt's start-to-lease; the lease is taken, not configured)
if grep -qw hyperfs.dhcp /proc/cmdline && [ -e /sys/class/net/eth0 ]; then
	(ip link set eth0 up; udhcpc -i eth0 -q -t 60 -T 1 -s /bin/true >/dev/null 2>&1) &
fi
echo "HYPERFS-GUEST-CPUS $(grep -c ^processor /proc/cpuinfo)"
echo HYPERFS-GUEST-READY
while true; do setsid cttyhack sh; done
EOS
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"
cp "$kernel" "$work/vmlinuz"
mv "$work/initrd.img" "$out/initrd.img"
mv "$work/vmlinuz" "$out/vmlinuz"
echo "$version" > "$out/version"
echo "$out"
