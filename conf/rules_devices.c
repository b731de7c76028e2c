/* rules_devices.c: libvirt's normalisation of device <address> elements and
 * of per-device defaults as a table (rules.h), each row from
 * virDomainDeviceInfoFormat / virDomainDeviceAddressParseXML, the device
 * parsers and formatters of src/conf/domain_conf.c and device_conf.c at
 * v4.0.0. Run after hv_domain_rules (domain_shape.c). */
#include "conf/rules.h"

#define DEVS_RF "domain/devices/redirfilter/usbdev"
#define RF_PARSE "virDomainRedirFilterUSBDevDefParseXML"
#define RF_FORMAT "virDomainRedirFilterDefFormat"
#define INFO_FORMAT "virDomainDeviceInfoFormat"
#define ADDR "domain/devices/*/address"
#define PCI_FORMAT "virPCIDeviceAddressParseXML, virPCIDeviceAddressFormat"
#define PCI_EMPTY "@domain=|0x0000 @bus=|0x00 @slot=|0x00"
#define HOSTDEV_SRC "domain/devices/hostdev/source/address"
#define CHR_ORDER "source|protocol|log|target|alias|address"
#define CHR_FORMAT "virDomainChrDefFormat: source, protocol and log (virDomainChrSourceDefFormat), target, info"
#define NET_SRC "domain/devices/interface/source/address"

const HvXmlRule hv_device_rules[] = {
	/* <address type='pci'>: read in any C base, written in hex, all four
	 * fields or (an empty address, virPCIDeviceAddressIsEmpty) none */
	{ ADDR, HV_RULE_PCI_NUM, NULL, NULL, "@type=pci", "virPCIDeviceAddressParseXML" },
	{ ADDR, HV_RULE_DROP_ATTR, "function", NULL, "@type=pci " PCI_EMPTY,
	  INFO_FORMAT ": an empty PCI address has no fields" },
	{ ADDR, HV_RULE_DROP_ATTR, "domain", NULL, "@type=pci " PCI_EMPTY,
	  INFO_FORMAT ": an empty PCI address has no fields" },
	{ ADDR, HV_RULE_DROP_ATTR, "bus", NULL, "@type=pci " PCI_EMPTY,
	  INFO_FORMAT ": an empty PCI address has no fields" },
	{ ADDR, HV_RULE_DROP_ATTR, "slot", NULL, "@type=pci " PCI_EMPTY,
	  INFO_FORMAT ": an empty PCI address has no fields" },
	{ ADDR, HV_RULE_ADD_ATTR, "domain", "0x0000", "@type=pci @slot!=",
	  INFO_FORMAT ": domain='0x%.4x' with the others" },
	{ ADDR, HV_RULE_ADD_ATTR, "domain", "0x0000", "@type=pci @bus!=",
	  INFO_FORMAT ": domain='0x%.4x' with the others" },
	{ ADDR, HV_RULE_ADD_ATTR, "bus", "0x00", "@type=pci @domain!=",
	  INFO_FORMAT ": bus='0x%.2x' with the others" },
	{ ADDR, HV_RULE_ADD_ATTR, "slot", "0x00", "@type=pci @domain!=",
	  INFO_FORMAT ": slot='0x%.2x' with the others" },
	{ ADDR, HV_RULE_ADD_ATTR, "function", "0x0", "@type=pci @domain!=",
	  INFO_FORMAT ": function='0x%.1x' with the others" },
	{ ADDR, HV_RULE_ATTR_ORDER, NULL, "type|domain|bus|slot|function|multifunction", "@type=pci",
	  INFO_FORMAT },
	/* drive, virtio-serial, ccid: decimal, every field written */
	{ ADDR, HV_RULE_NUM_ATTR, "controller", "10:d", "@type=drive|virtio-serial|ccid",
	  "virDomainDeviceDriveAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "bus", "10:d", "@type=drive|virtio-serial|usb",
	  "virDomainDeviceDriveAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "target", "10:d", "@type=drive", "virDomainDeviceDriveAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "unit", "10:d", "@type=drive", "virDomainDeviceDriveAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "port", "10:d", "@type=virtio-serial",
	  "virDomainDeviceVirtioSerialAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "slot", "10:d", "@type=ccid|dimm", "virDomainDeviceCcidAddressParseXML" },
	{ ADDR, HV_RULE_ADD_ATTR, "controller", "0", "@type=drive|virtio-serial|ccid",
	  INFO_FORMAT ": controller='%d' always written" },
	{ ADDR, HV_RULE_ADD_ATTR, "bus", "0", "@type=drive|virtio-serial|usb",
	  INFO_FORMAT ": bus='%d' always written" },
	{ ADDR, HV_RULE_ADD_ATTR, "target", "0", "@type=drive", INFO_FORMAT ": target='%d' always written" },
	{ ADDR, HV_RULE_ADD_ATTR, "unit", "0", "@type=drive", INFO_FORMAT ": unit='%d' always written" },
	{ ADDR, HV_RULE_ADD_ATTR, "port", "0", "@type=virtio-serial",
	  INFO_FORMAT ": port='%d' always written" },
	{ ADDR, HV_RULE_ADD_ATTR, "slot", "0", "@type=ccid|dimm", INFO_FORMAT ": slot= always written" },
	{ ADDR, HV_RULE_ATTR_ORDER, NULL, "type|controller|bus|target|unit|port|slot",
	  "@type=drive|virtio-serial|ccid", INFO_FORMAT },
	/* spapr-vio, ccw, isa, dimm: hex */
	{ ADDR, HV_RULE_NUM_ATTR, "reg", "16:x", "@type=spapr-vio", "virDomainDeviceSpaprVioAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "cssid", "0:x", "@type=ccw", "virDomainDeviceCCWAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "ssid", "0:x", "@type=ccw", "virDomainDeviceCCWAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "devno", "0:x4", "@type=ccw", "virDomainDeviceCCWAddressParseXML" },
	{ ADDR, HV_RULE_ATTR_ORDER, NULL, "type|cssid|ssid|devno", "@type=ccw", INFO_FORMAT },
	{ ADDR, HV_RULE_NUM_ATTR, "iobase", "16:x", "@type=isa", "virDomainDeviceISAAddressParseXML" },
	{ ADDR, HV_RULE_NUM_ATTR, "irq", "16:x", "@type=isa", "virDomainDeviceISAAddressParseXML" },
	{ ADDR, HV_RULE_DROP_ATTR, "iobase", "0x0", "@type=isa", INFO_FORMAT ": iobase= only when > 0" },
	{ ADDR, HV_RULE_DROP_ATTR, "irq", "0x0", "@type=isa", INFO_FORMAT ": irq= only when > 0" },
	{ ADDR, HV_RULE_ATTR_ORDER, NULL, "type|iobase|irq", "@type=isa", INFO_FORMAT },
	{ ADDR, HV_RULE_NUM_ATTR, "base", "16:x", "@type=dimm", "virDomainDeviceDimmAddressParseXML" },
	{ ADDR, HV_RULE_DROP_ATTR, "base", "0x0", "@type=dimm", INFO_FORMAT ": base= only when not 0" },
	{ ADDR, HV_RULE_ATTR_ORDER, NULL, "type|slot|base", "@type=dimm", INFO_FORMAT },
	/* a PCI host device's (or hostdev interface's) source address:
	 * virPCIDeviceAddressFormat writes all four fields */
	{ HOSTDEV_SRC, HV_RULE_PCI_FULL, NULL, "domain|bus|slot|function", "^^@type=pci", PCI_FORMAT },
	{ NET_SRC, HV_RULE_PCI_FULL, NULL, "type|domain|bus|slot|function", "@type=pci", PCI_FORMAT },
	/* a USB host device's vendor, product and address */
	{ "domain/devices/hostdev/source/vendor", HV_RULE_NUM_ATTR, "id", "0:x4", NULL,
	  "virDomainHostdevSubsysUSBDefParseXML: vendor id='0x%.4x'" },
	{ "domain/devices/hostdev/source/product", HV_RULE_NUM_ATTR, "id", "0:x4", NULL,
	  "virDomainHostdevSubsysUSBDefParseXML: product id='0x%.4x'" },
	{ HOSTDEV_SRC, HV_RULE_NUM_ATTR, "bus", "0:d", "^^@type=usb",
	  "virDomainHostdevSubsysUSBDefParseXML: bus='%d'" },
	{ HOSTDEV_SRC, HV_RULE_NUM_ATTR, "device", "0:d", "^^@type=usb",
	  "virDomainHostdevSubsysUSBDefParseXML: device='%d'" },
	/* per-device defaults the parsers fill in and the formatters write */
	{ "domain/devices/hostdev", HV_RULE_ADD_ATTR, "mode", "subsystem", NULL,
	  "virDomainHostdevDefParseXML: mode defaults to subsystem" },
	{ "domain/devices/hostdev", HV_RULE_SET_ATTR, "managed", "no", "@mode=subsystem @managed!=yes",
	  "virDomainHostdevDefFormat: a subsystem hostdev always writes managed=, yes only for 'yes'" },
	{ "domain/devices/hostdev", HV_RULE_ATTR_ORDER, NULL, "mode|type|managed|sgio|rawio|model", NULL,
	  "virDomainHostdevDefFormat" },
	{ "domain/devices/filesystem", HV_RULE_ADD_ATTR, "type", "mount", NULL,
	  "virDomainFSDefParseXML: type defaults to mount" },
	{ "domain/devices/filesystem", HV_RULE_ADD_ATTR, "accessmode", "passthrough", NULL,
	  "virDomainFSDefFormat: accessmode= always written, passthrough by default" },
	{ "domain/devices/filesystem", HV_RULE_ATTR_ORDER, NULL, "type|accessmode", NULL,
	  "virDomainFSDefFormat" },
	{ "domain/devices/watchdog", HV_RULE_ADD_ATTR, "action", "reset", NULL,
	  "virDomainWatchdogDefFormat: action= always written, reset by default" },
	{ "domain/devices/watchdog", HV_RULE_ATTR_ORDER, NULL, "model|action", NULL,
	  "virDomainWatchdogDefFormat" },
	{ "domain/devices/interface/source", HV_RULE_ADD_ATTR, "mode", "vepa", "^@type=direct",
	  "virDomainNetDefParseXML: a direct interface's macvtap mode defaults to vepa" },
	{ "domain/devices/interface/source", HV_RULE_ATTR_ORDER, NULL, "dev|mode", "^@type=direct",
	  "virDomainNetDefFormat" },
	/* the virtio tuning is read only for a virtio model (the model as given:
	 * a driver's default model comes later, qemu_postparse.c) */
	{ "domain/devices/interface/driver", HV_RULE_DROP_SELF, NULL, NULL, "^@type!=hostdev ^model@type!=virtio",
	  "virDomainNetDefParseXML: <driver> is read only for model virtio" },
	{ "domain/devices/interface/backend", HV_RULE_DROP_ATTR, "vhost", NULL, "^@type!=hostdev ^model@type!=virtio",
	  "virDomainNetDefParseXML: backend vhost= is read only for model virtio" },
	{ "domain/devices/interface/backend", HV_RULE_DROP_EMPTY, NULL, NULL, NULL,
	  "virDomainNetDefFormat: <backend> only with tap= or vhost=" },
	{ "domain/devices/interface/driver", HV_RULE_DROP_ATTR, "queues", "0|1", "^@type!=hostdev",
	  "virDomainNetDefParseXML: queues= kept only above 1" },
	{ "domain/devices/interface", HV_RULE_CHILD_ORDER, NULL,
	  "mac|source|vlan|virtualport|bandwidth|ip|route|script|backenddomain|target|guest|model|"
	  "driver|backend|filterref|tune|link|mtu|coalesce|boot|alias|rom|address", NULL,
	  "virDomainNetDefFormat" },
	{ "domain/devices/interface", HV_RULE_CHILD_ORDER, NULL,
	  "mac|driver|source|vlan|virtualport|bandwidth|ip|route|script|backenddomain|target|guest|"
	  "model|backend|filterref|tune|link|mtu|coalesce|boot|alias|rom|address", "@type=hostdev",
	  "virDomainNetDefFormat, virDomainHostdevDefFormatSubsys: a hostdev interface's <driver> "
	  "before its <source>" },
	{ "domain/devices/hostdev", HV_RULE_CHILD_ORDER, NULL,
	  "driver|source|ip|route|readonly|shareable|boot|alias|rom|address", NULL,
	  "virDomainHostdevDefFormat, virDomainHostdevDefFormatSubsys" },
	{ "domain/devices/serial|parallel|console|channel", HV_RULE_CHILD_ORDER, NULL, CHR_ORDER, NULL,
	  CHR_FORMAT },
	{ "domain/devices/interface/vlan", HV_RULE_LOWER_ATTR, "trunk", NULL, NULL,
	  "virNetDevVlanParse: trunk= is read without case" },
	{ "domain/devices/interface/vlan", HV_RULE_ADD_ATTR, "trunk", "yes", "++tag",
	  "virNetDevVlanParse: more than one tag is a trunk" },
	{ "domain/devices/interface/vlan", HV_RULE_DROP_ATTR, "trunk", "no", NULL,
	  "virNetDevVlanFormat: only trunk='yes'" },
	{ "domain/devices/shmem", HV_RULE_ADD_CHILD, "model", "type=ivshmem", NULL,
	  "virDomainShmemDefParseXML: model defaults to ivshmem, always written" },
	{ "domain/devices/shmem", HV_RULE_CHILD_ORDER, NULL, "model|size|server|msi", NULL,
	  "virDomainShmemDefFormat" },
	/* the top-level <seclabel> (virSecurityLabelDefNew relabels by default) */
	{ "domain/seclabel", HV_RULE_ADD_ATTR, "type", "dynamic", NULL,
	  "virSecurityLabelDefParseXML: type defaults to dynamic" },
	{ "domain/seclabel", HV_RULE_ADD_ATTR, "relabel", "yes", "@type=dynamic|none",
	  "virSecurityLabelDefFormat: relabel= always written, yes by default" },
	{ "domain/seclabel", HV_RULE_ADD_ATTR, "relabel", "no", "@type=static",
	  "virSecurityLabelDefParseXML: a static label does not relabel by default" },
	{ "domain/seclabel", HV_RULE_DROP_ATTR, "relabel", NULL, "@type=none",
	  "virSecurityLabelDefFormat: type='none' writes no relabel=" },
	{ "domain/seclabel", HV_RULE_ATTR_ORDER, NULL, "type|model|relabel", NULL,
	  "virSecurityLabelDefFormat" },
	{ "domain/seclabel/*", HV_RULE_DROP_SELF, NULL, NULL, "^@model=none",
	  "virSecurityLabelDefParseXML: a label of model 'none' reads no labels" },
	{ "domain/seclabel/label", HV_RULE_DROP_SELF, NULL, NULL, "^@type=none",
	  "virSecurityLabelDefParseXML: <label> only for static and dynamic labels" },
	{ "domain/seclabel/imagelabel", HV_RULE_DROP_SELF, NULL, NULL, "^@type=none",
	  "virSecurityLabelDefParseXML: <imagelabel> only with relabeling, not for type none" },
	{ "domain/seclabel/imagelabel", HV_RULE_DROP_SELF, NULL, NULL, "^@relabel=no",
	  "virSecurityLabelDefParseXML: <imagelabel> only with relabeling, not for type none" },
	{ "domain/seclabel/baselabel", HV_RULE_DROP_SELF, NULL, NULL, "^@type!=dynamic",
	  "virSecurityLabelDefParseXML: <baselabel> only for a dynamic label" },
	{ "domain/seclabel", HV_RULE_CHILD_ORDER, NULL, "label|imagelabel|baselabel", NULL, "virSecurityLabelDefFormat" },
	/* USB redirection filters: -1 is "any" and not written */
	{ DEVS_RF, HV_RULE_NUM_ATTR, "class", "0:X2", NULL, RF_PARSE " (virStrToLong_i, 0x%02X)" },
	{ DEVS_RF, HV_RULE_NUM_ATTR, "vendor", "0:X4", NULL, RF_PARSE " (virStrToLong_i, 0x%04X)" },
	{ DEVS_RF, HV_RULE_NUM_ATTR, "product", "0:X4", NULL, RF_PARSE " (virStrToLong_i, 0x%04X)" },
	{ DEVS_RF, HV_RULE_USBVER_ATTR, "version", NULL, NULL, "virDomainRedirFilterUSBVersionHelper" },
	{ DEVS_RF, HV_RULE_DROP_ATTR, "class", "-1", NULL, RF_FORMAT ": -1 is any class" },
	{ DEVS_RF, HV_RULE_DROP_ATTR, "vendor", "-1", NULL, RF_FORMAT ": -1 is any vendor" },
	{ DEVS_RF, HV_RULE_DROP_ATTR, "product", "-1", NULL, RF_FORMAT ": -1 is any product" },
	{ DEVS_RF, HV_RULE_DROP_ATTR, "version", "-1", NULL, RF_FORMAT ": -1 is any version" },
	{ DEVS_RF, HV_RULE_ATTR_ORDER, NULL, "class|vendor|product|version|allow", NULL, RF_FORMAT },
	{ "domain/devices/redirfilter", HV_RULE_DROP_EMPTY, NULL, NULL, NULL,
	  RF_FORMAT ": no <usbdev>, no <redirfilter>" },
	/* features that are a virTristateSwitch: on without state= */
	{ "domain/features/hap", HV_RULE_ADD_ATTR, "state", "on", NULL,
	  "virDomainDefParseXML: <hap/> is state='on' (virDomainDefFormatFeatures)" },
	{ "domain/features/pmu", HV_RULE_ADD_ATTR, "state", "on", NULL,
	  "virDomainDefParseXML: <pmu/> is state='on' (virDomainDefFormatFeatures)" },
	{ "domain/features/pvspinlock", HV_RULE_ADD_ATTR, "state", "on", NULL,
	  "virDomainDefParseXML: <pvspinlock/> is state='on' (virDomainDefFormatFeatures)" },
	{ "domain/features/vmport", HV_RULE_ADD_ATTR, "state", "on", NULL,
	  "virDomainDefParseXML: <vmport/> is state='on' (virDomainDefFormatFeatures)" },
	{ "domain/features/smm", HV_RULE_ADD_ATTR, "state", "on", NULL,
	  "virDomainDefParseXML: <smm/> is state='on' (virDomainDefFormatFeatures)" },
};
const size_t hv_device_rules_len = G_N_ELEMENTS(hv_device_rules);
