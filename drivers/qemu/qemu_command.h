/* qemu_command.h: HvDomainDef -> the QEMU command line. Table-driven: one
 * builder per part of the definition, one row per disk bus, disk format,
 * interface type and device kind. Anything the tables cannot honour fails
 * with EOPNOTSUPP and a message that names the element: never a silent drop. */
#pragma once
#include "conf/domain_conf.h"

/* A disk naming a pool volume (<source pool= volume=/>): its path and format
 * (both owned by the caller), or -errno. */
typedef int (*QemuVolumeResolve)(void *opaque, const char *pool, const char *volume,
				 char **path, char **format, GError **err);

typedef struct {
	const char *qmp;     /* QMP socket */
	const char *pidfile;
	const char *log;     /* serial console log */
	const char *console; /* unix socket of a serial with no path of its own */
	const char *vnc;     /* unix socket of <graphics type='vnc'>; NULL: vnc refused */
	QemuVolumeResolve resolve_volume; /* NULL: volume disks are refused */
	void *resolve_opaque;
} QemuPaths;

/* *argv: NULL-terminated, argv[0] = emulator; free with g_strfreev. */
int qemu_command_build(const HvDomainDef *def, const char *emulator, const QemuPaths *paths,
		       char ***argv, GError **err);
/* "tcg" or "kvm" for the domain type, NULL for others. */
const char *qemu_command_accel(const HvDomainDef *def);
