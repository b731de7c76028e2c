/* qemu_priv.h: the QEMU driver's post-parse step of the domain formatter
 * (qemu_postparse.c: default devices and device defaults; qemu_address.c:
 * PCI, virtio-serial and USB addresses), run by hv_domain_shape for a
 * definition of the qemu driver. Internal to conf/. */
#pragma once
#include "conf/domain_priv.h"

#define HV_QEMU_NVRAM_DIR "/var/lib/libvirt/qemu/nvram"

typedef enum {
	HV_QEMU_OTHER,
	HV_QEMU_I440FX,
	HV_QEMU_Q35,
	HV_QEMU_ISAPC,
	HV_QEMU_VIRT,
	HV_QEMU_PSERIES,
	HV_QEMU_S390_CCW,
} HvQemuMachine;

/* What the post-parse decides on: the guest's arch and machine. */
typedef struct {
	char arch[32];
	char machine[64];
	HvQemuMachine kind;
	bool tcg; /* <domain type='qemu'> */
	bool hvm;
} HvQemuGuest;

void hv_qemu_guest(xmlNode *root, HvQemuGuest *g);
bool hv_qemu_arch_in(const char *arch, const char *set);
/* qemuDomainDefAddDefaultDevices: before the generic implicit controllers. */
void hv_qemu_add_defaults(xmlNode *root, xmlNode *devs, const HvQemuGuest *g);
/* qemuDomainDeviceDefPostParse and the rest of qemuDomainDefPostParse. */
void hv_qemu_post_parse(xmlNode *root, xmlNode *devs, const HvQemuGuest *g);
/* The part of it for an inactive definition: generated channel sockets,
 * and (before the graphics are shaped) generated VNC sockets. */
void hv_qemu_drop_channel_paths(xmlNode *devs);
void hv_qemu_drop_vnc_sockets(xmlNode *devs);
/* The QEMU driver's post-parse checks (PCI roots and expander buses, NUMA
 * nodes, CPU cache modes, features, bootloader); -EINVAL with the reason. */
int hv_qemu_check(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err);
/* qemuDomainAssignAddresses: virtio-serial ports, PCI slots, USB ports;
 * -EINVAL when an address is used twice or a chipset's controller is
 * elsewhere than its fixed address (the addresses are assigned anyway). */
int hv_qemu_assign_addresses(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err);
/* qemuDomainDefValidate and qemuDomainDeviceDefValidate on the post-parsed
 * copy (qemu_validate.c, the rows of rules_qemu.c); -EINVAL with the reason. */
int hv_qemu_validate(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err);
/* qemuDomainAssignUSBAddresses for a definition whose USB devices all have
 * their port: each reserved on its controller's or hub's ports (qemu_usb.c);
 * -EINVAL for a port that is missing or used twice. */
int hv_qemu_check_usb(xmlNode *devs, GError **err);
/* PCI slots (qemu_pci.c); -EINVAL for an address used twice. */
int hv_qemu_assign_pci(xmlNode *devs, const HvQemuGuest *g, GError **err);
/* Shared look-ups (qemu_address.c): a number attribute (C bases), whether
 * el is <controller type=TYPE> (and index= idx unless idx < 0), whether a
 * console stands for serial 0, whether v is in a '|'-separated set. */
long hv_qemu_num_attr(xmlNode *el, const char *attr, long def);
bool hv_qemu_is_controller(xmlNode *c, const char *type, long idx);
bool hv_qemu_serial_console(xmlNode *dev);
bool hv_qemu_in(const char *v, const char *set);
/* Whether the guest has a pcie-root controller (on virt: QEMU's gpex). */
bool hv_qemu_has_pcie_root(xmlNode *devs);
/* The controller of that type and index= (idx < 0: any), or NULL. */
xmlNode *hv_qemu_find_controller(xmlNode *devs, const char *type, long idx);
