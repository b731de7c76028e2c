/* qemu_command.h: HvDomainDef -> the QEMU command line. Table-driven: one
 * builder per part of the definition, one row per disk bus, disk format,
 * interface type and device kind. Anything the tables cannot honour fails
 * with EOPNOTSUPP and a message that names the element: never a silent drop. */
#pragma once
#include "conf/domain_conf.h"
#include "drivers/qemu/qemu_interface.h"
#include "drivers/storage/storage_backend.h"

/* The NIC model an <interface> without <model> gets (and shows). */
#define QEMU_DEFAULT_NIC_MODEL "virtio"

/* A disk naming a pool volume (<source pool= volume=/>): how QEMU reaches it
 * (storage_class.h's storage_volume_resolve: a path or URL, or an rbd image
 * with its monitors and cephx key) in *out, cleared by the caller; or -errno. */
typedef int (*QemuVolumeResolve)(void *opaque, const char *pool, const char *volume,
				 StorageVolSource *out, GError **err);

/* The value of a libvirt secret (type "ceph", "iscsi"; uuid or usage id) that
 * a <disk type='network'> names in its <auth>: secret_store.h's
 * secret_store_value. *value is owned by the caller. */
typedef int (*QemuSecretResolve)(void *opaque, const char *usage_type, const char *uuid_or_usage,
				 GBytes **value, GError **err);

/* A secret QEMU reads at start (-object secret,file=PATH,format=base64): the
 * process layer writes value's base64 to path (0600) before QEMU starts and
 * removes it once QEMU answers (it read it by then), so no key is ever on
 * QEMU's command line. */
typedef struct {
	char *id;     /* the secret object's id */
	char *path;
	GBytes *value; /* the raw secret */
} QemuSecret;

void qemu_secret_free(QemuSecret *s);

/* What QEMU does by itself on a guest poweroff, reboot and panic (-action),
 * from <on_poweroff>, <on_reboot>, <on_crash>. shutdown is "pause" when the
 * driver must act on a SHUTDOWN event (restart or preserve); the action the
 * driver then takes is the element's value. */
typedef struct {
	const char *shutdown; /* poweroff | pause */
	const char *reboot;   /* reset | shutdown */
	const char *panic;    /* shutdown | pause */
	const char *on_poweroff, *on_reboot, *on_crash; /* destroy | restart | preserve */
} QemuActions;

/* Fills *a, or EOPNOTSUPP naming the element and value it cannot honour. */
int qemu_command_actions(const HvDomainDef *def, QemuActions *a, GError **err);

typedef struct {
	const char *qmp;     /* QMP socket */
	const char *pidfile;
	const char *log;     /* serial console log */
	const char *console; /* unix socket of a serial with no path of its own */
	const char *vnc;     /* unix socket of <graphics type='vnc'>; NULL: vnc refused */
	QemuVolumeResolve resolve_volume; /* NULL: volume disks are refused */
	void *resolve_opaque;
	QemuNetworkResolve resolve_network; /* NULL: type='network' is refused */
	void *network_opaque;
	GPtrArray *taps; /* out: QemuTap*, filled by the builder; NULL: taps refused */
	const char *incoming; /* -incoming URI (a migration target), or NULL */
	const char *secret_prefix; /* a secret's file: PREFIX-ID */
	GPtrArray *secrets; /* out: QemuSecret*, filled by the builder; NULL: disks that
			     * need a key (cephx, CHAP) are refused */
	QemuSecretResolve resolve_secret; /* NULL: network disks with <auth> are refused */
	void *secret_opaque;
	const char *layout; /* the definition as formatted (post-parse addresses): devices
			     * go to its PCI slots (qemu_command_addr.c); NULL: QEMU's */
} QemuPaths;

/* *argv: NULL-terminated, argv[0] = emulator; free with g_strfreev. */
int qemu_command_build(const HvDomainDef *def, const char *emulator, const QemuPaths *paths,
		       char ***argv, GError **err);
/* "tcg" or "kvm" for the domain type, NULL for others. */
const char *qemu_command_accel(const HvDomainDef *def);
