/* qemu_command_priv.h: what the command line's builders share
 * (qemu_command.c, qemu_command_disk.c): the command being built and the
 * helpers that add to it. */
#pragma once
#include <stdarg.h>
#include "drivers/qemu/qemu_command.h"

typedef struct {
	GPtrArray *argv;
	const HvDomainDef *def;
	const QemuPaths *paths;
	bool q35;
	bool ahci, scsi; /* controllers added */
	bool graphics;
	bool video;
	bool balloon_off;
	bool panic;
	unsigned serials;
	GHashTable *pci; /* device key -> ",bus=pci.0,addr=..." (qemu_command_addr.c) */
} Cmd;

typedef int (*Builder)(Cmd *c, GError **err);

void qcmd_arg(Cmd *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qcmd_arg2(Cmd *c, const char *opt, char *value /* stolen */);
/* A value inside QEMU's key=value,... syntax: commas are doubled. */
char *qcmd_esc(const char *s);
/* EOPNOTSUPP: "domain 'x': WHAT is not supported by the qemu driver". */
int qcmd_unsupported(Cmd *c, GError **err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The index of s in the NULL-terminated set, or -1. */
int qcmd_str_in(const char *s, const char *const *set);

/* qemu_command_addr.c: the PCI addresses of paths->layout (none without
 * one, or on q35) into c->pci; qcmd_pci gives a device's ",bus=..,addr=.."
 * ("" when it has none: QEMU places it), keyed KIND (memballoon, video,
 * rng, panic), interface:N, disk:TARGET, controller:TYPE:INDEX; qcmd_usb
 * adds the USB controller the layout places (libvirt's PIIX3 UHCI). */
int qcmd_layout_load(Cmd *c, GError **err);
const char *qcmd_pci(Cmd *c, const char *key);
int qcmd_usb(Cmd *c, GError **err);

/* qemu_command_disk.c: -drive and -device of every disk */
int qemu_command_disks(Cmd *c, GError **err);
