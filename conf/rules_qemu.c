/* rules_qemu.c: the QEMU driver's validation of a domain as a table (rules.h,
 * HvQemuCheck): each row from qemuDomainDefValidate or
 * qemuDomainDeviceDefValidate and the helpers they call (src/qemu/qemu_domain.c
 * at v4.0.0), run by qemu_validate.c on the post-parsed copy (defaults and
 * addresses filled in, as libvirt validates after its post-parse). What needs
 * arithmetic (vCPU counts, video memory sizes) is in qemu_validate.c. */
#include "conf/rules.h"

#define DEF_VALIDATE "qemuDomainDefValidate"
#define VIDEO "qemuDomainDefValidateVideo"
#define CHR_TARGET "qemuDomainChrTargetDefValidate"
#define CHR "qemuDomainChrDefValidate"
#define WATCHDOG "qemuDomainWatchdogDefValidate"
#define NET "qemuDomainDeviceDefValidateNetwork"
#define DEVS "domain/devices/"
#define SERIAL_T DEVS "serial/target"
#define SERIAL_M DEVS "serial/target/model"
/* a target model that doesn't match its target type is refused by the rows
 * above, so the machine's compatibility is a matter of the target type */
#define NOT_COMPATIBLE " not compatible with guest architecture or machine type"
#define SHMEM_POST "qemuDomainShmemDefPostParse"
#define CTRL_POST "qemuDomainControllerDefPostParse"
/* QEMU_USB_XHCI_MAXPORTS: unset, or up to 15 */
#define XHCI_PORTS "|0|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15"
#define BUILTIN_IDE "i440fx|=malta|=sun4u|=g3beige"

const HvQemuCheck hv_qemu_checks[] = {
	{ NULL, "domain/seclabel", "@model= @type=static",
	  "missing security model in domain seclabel",
	  "virSecurityLabelDefsParseXML (the driver's host has a security model: none)" },
	{ NULL, "domain/seclabel", "@model= @type=|dynamic +baselabel",
	  "missing security model in domain seclabel",
	  "virSecurityLabelDefsParseXML (the driver's host has a security model: none)" },
	{ NULL, "domain/memtune/min_guarantee", "#!=0", "Parameter 'min_guarantee' not supported by QEMU.",
	  DEF_VALIDATE },
	{ "x86", "domain/os/loader", "@type=pflash /features-acpi", "UEFI requires ACPI on this architecture",
	  DEF_VALIDATE },
	{ "aarch64", "domain/features/acpi", "/os/loader@type!=pflash", "ACPI requires UEFI on this architecture",
	  DEF_VALIDATE },
	{ "!q35", "domain/os/loader", "@secure=yes", "Secure boot is supported with q35 machine types only",
	  DEF_VALIDATE },
	{ "!x86_64", "domain/os/loader", "@secure=yes", "Secure boot is supported for x86_64 architecture only",
	  DEF_VALIDATE },
	{ NULL, "domain/os/loader", "@secure=yes /features-smm", "Secure boot requires SMM feature enabled",
	  DEF_VALIDATE },
	{ NULL, "domain/os/loader", "@secure=yes /features/smm@state=off|default",
	  "Secure boot requires SMM feature enabled", DEF_VALIDATE },

	{ NULL, DEVS "video/model", "@type=xen", "video type 'xen' is not supported with QEMU", VIDEO },
	{ NULL, DEVS "video/model", "@type=vbox", "video type 'vbox' is not supported with QEMU", VIDEO },
	{ NULL, DEVS "video/model", "@type=parallels", "video type 'parallels' is not supported with QEMU",
	  VIDEO },
	{ NULL, DEVS "video/model", "@type=vga @primary!=yes", "video type 'vga' is only valid as primary video device",
	  VIDEO },
	{ NULL, DEVS "video/model", "@type=cirrus @primary!=yes",
	  "video type 'cirrus' is only valid as primary video device", VIDEO },
	{ NULL, DEVS "video/model", "@type=vmvga @primary!=yes",
	  "video type 'vmvga' is only valid as primary video device", VIDEO },
	{ NULL, DEVS "video/model/acceleration", "@accel2d=yes", "qemu does not support the accel2d setting",
	  VIDEO },

	{ NULL, SERIAL_T, "@type=isa-serial ^+address ^address@type!=isa",
	  "Target type 'isa-serial' requires address type 'isa'", CHR_TARGET },
	{ NULL, SERIAL_T, "@type=usb-serial ^+address ^address@type!=usb",
	  "Target type 'usb-serial' requires address type 'usb'", CHR_TARGET },
	{ NULL, SERIAL_T, "@type=pci-serial ^+address ^address@type!=pci",
	  "Target type 'pci-serial' requires address type 'pci'", CHR_TARGET },
	{ NULL, SERIAL_T, "@type=spapr-vio-serial ^+address ^address@type!=spapr-vio",
	  "Target type 'spapr-vio-serial' requires address type 'spapr-vio'", CHR_TARGET },
	{ NULL, SERIAL_T, "@type=system-serial ^+address",
	  "Target type 'system-serial' cannot have an associated address", CHR_TARGET },
	{ NULL, SERIAL_T, "@type=sclp-serial ^+address",
	  "Target type 'sclp-serial' cannot have an associated address", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=isa-serial ^@type!=isa-serial",
	  "Target model 'isa-serial' requires target type 'isa-serial'", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=usb-serial ^@type!=usb-serial",
	  "Target model 'usb-serial' requires target type 'usb-serial'", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=pci-serial ^@type!=pci-serial",
	  "Target model 'pci-serial' requires target type 'pci-serial'", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=spapr-vty ^@type!=spapr-vio-serial",
	  "Target model 'spapr-vty' requires target type 'spapr-vio-serial'", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=pl011 ^@type!=system-serial",
	  "Target model 'pl011' requires target type 'system-serial'", CHR_TARGET },
	{ NULL, SERIAL_M, "@name=sclpconsole|sclplmconsole ^@type!=sclp-serial",
	  "Target model 'sclpconsole' and 'sclplmconsole' require target type 'sclp-serial'", CHR_TARGET },
	{ "!pseries", SERIAL_T, "@type=spapr-vio-serial",
	  "Serial device with target type 'spapr-vio-serial'" NOT_COMPATIBLE, CHR },
	{ "!virt", SERIAL_T, "@type=system-serial", "Serial device with target type 'system-serial'" NOT_COMPATIBLE,
	  CHR },
	{ "!s390", SERIAL_T, "@type=sclp-serial", "Serial device with target type 'sclp-serial'" NOT_COMPATIBLE,
	  CHR },
	{ "s390|pseries", DEVS "parallel", NULL, "parallel ports are not supported", CHR },
	{ NULL, DEVS "*/source/reconnect", "^@path= ^^@type=unix @enabled=yes",
	  "chardev reconnect is possible only for connect mode",
	  "qemuDomainChrDefPostParse (a generated UNIX socket path is bound), virDomainChrSourceDefValidate" },

	{ NULL, DEVS "watchdog/address", "^@model=i6300esb @type!=pci",
	  "i6300esb model of watchdog can go only on PCI bus", WATCHDOG },
	{ NULL, DEVS "watchdog/address", "^@model=ib700 @type!=isa",
	  "ib700 model of watchdog can go only on ISA bus", WATCHDOG },
	{ NULL, DEVS "watchdog/address", "^@model=diag288",
	  "diag288 model of watchdog is virtual and cannot go on any bus.", WATCHDOG },
	{ "!s390", DEVS "watchdog", "@model=diag288",
	  "diag288 model of watchdog is allowed for s390 and s390x only", WATCHDOG },

	{ NULL, DEVS "interface/route", "^@type=user",
	  "Invalid attempt to set network interface guest-side IP route, not supported by QEMU", NET },
	{ NULL, DEVS "interface/ip", "^@type=user @peer!=", "Invalid attempt to set peer IP for guest", NET },
	{ NULL, DEVS "interface/ip", "^@type!=user",
	  "Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU",
	  NET },
	{ NULL, DEVS "interface/route", "^@type!=user",
	  "Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU",
	  NET },
	{ NULL, DEVS "interface/mtu", "^@type!=network|bridge|ethernet|vhostuser",
	  "setting MTU on this interface type is not supported yet", NET " (qemuDomainNetSupportsMTU)" },
	{ NULL, DEVS "interface/coalesce", "^@type!=network|bridge",
	  "coalesce settings on this interface type are not supported", NET " (qemuDomainNetSupportsCoalesce)" },

	{ NULL, DEVS "controller", "@type=usb @model=qusb1|qusb2",
	  "USB controller model type 'qusb1' or 'qusb2' is not supported by QEMU", CTRL_POST },
	{ NULL, DEVS "controller", "@type=usb @model=nec-xhci @ports!=" XHCI_PORTS,
	  "'nec-xhci' controller only supports up to '15' ports", CTRL_POST },
	{ NULL, DEVS "controller", "@type=usb @model=qemu-xhci @ports!=" XHCI_PORTS,
	  "'qemu-xhci' controller only supports up to '15' ports", CTRL_POST },
	{ NULL, DEVS "shmem", "model@type=ivshmem-doorbell -server",
	  "shmem model 'ivshmem-doorbell' is supported only with server option enabled", SHMEM_POST },
	{ NULL, DEVS "shmem", "model@type=ivshmem-plain -server +msi", "shmem model 'ivshmem-plain' doesn't support msi",
	  SHMEM_POST },
	{ NULL, DEVS "shmem", "model@type=ivshmem-plain +server",
	  "shmem model 'ivshmem-plain' is supported only with server option disabled", SHMEM_POST },
	{ NULL, DEVS "shmem", "model@type=ivshmem-doorbell +server +size",
	  "shmem model 'ivshmem-doorbell' does not support size setting", SHMEM_POST },
	{ NULL, DEVS "hostdev", "@mode=capabilities", "hostdev mode 'capabilities' is not supported by QEMU",
	  "qemuDomainDeviceDefValidateHostdev" },
	{ NULL, DEVS "disk/shareable", "^-readonly ^driver@type!=|raw",
	  "shared access for a disk requires use of supported storage format (raw)",
	  "qemuDomainDeviceDefValidateDisk, qemuBlockStorageSourceSupportsConcurrentAccess" },
	{ BUILTIN_IDE, DEVS "controller", "@type=ide @index!=0",
	  "Only a single IDE controller is supported for this machine type",
	  "qemuDomainDeviceDefValidateControllerIDE (qemuDomainMachineHasBuiltinIDE)" },
	{ "!" BUILTIN_IDE, DEVS "controller", "@type=ide",
	  "IDE controllers are unsupported for this QEMU binary or machine type",
	  "qemuDomainDeviceDefValidateControllerIDE (qemuDomainMachineHasBuiltinIDE)" },
};
const size_t hv_qemu_checks_len = G_N_ELEMENTS(hv_qemu_checks);
