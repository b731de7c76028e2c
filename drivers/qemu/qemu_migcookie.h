/* qemu_migcookie.h: the migration cookie of the qemu driver, what the two
 * ends of a migration tell each other through the client
 * (docs/moving-and-keeping.md "The cookie"): libvirt's <qemu-migration>
 * XML, so that a stock libvirtd's qemu driver reads what hyperfs writes and
 * hyperfs reads what libvirtd writes; hyperfs's own data is in a <hyperfs>
 * element libvirt ignores. The older text form ("hyperfs-migration 1") is
 * still read. Parsed and written by qemu_migcookie.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define QEMU_MIG_COOKIE_MAX_DISKS 64

/* A cookie, parsed: the disks begin lists (source), the NBD port and the
 * exports prepare gives (target), the figures of a completed migration
 * perform gives (source: QEMU's query-migrate at its end). name, uuid,
 * hostname and hostuuid say whose cookie it is (libvirt needs them; read
 * back as they came, NULL when absent). */
typedef struct {
	GPtrArray *disks;   /* QemuMigDisk* */
	GPtrArray *exports; /* char*: disk targets the target serves */
	unsigned nbd_port;  /* 0: none */
	bool stats;         /* figures came: */
	uint64_t total_ms;  /* QEMU's total-time, */
	uint64_t downtime_ms; /* downtime, */
	uint64_t ram_bytes; /* and ram transferred */
	char *name, *uuid, *hostname, *hostuuid;
	bool from_libvirt;  /* an XML cookie without a <hyperfs> element */
} QemuMigCookie;

typedef struct {
	char *target;   /* vda */
	uint64_t capacity;
	char *format;   /* raw, qcow2 */
	char *id;       /* BOOTID:DEV:INO of the source's file, or "-" */
} QemuMigDisk;

/* An empty cookie, ready to fill (disks and exports allocated). */
void qemu_mig_cookie_init(QemuMigCookie *mc);
void qemu_mig_cookie_clear(QemuMigCookie *mc);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QemuMigCookie, qemu_mig_cookie_clear)
/* Adds a disk (the strings are copied). */
void qemu_mig_cookie_add_disk(QemuMigCookie *mc, const char *target, uint64_t capacity,
			      const char *format, const char *id);

/* text (may be NULL or empty: an empty cookie) into mc: libvirt's XML, or
 * the old text form; EINVAL when it is neither or breaks a limit. */
int qemu_mig_cookie_parse(const char *text, QemuMigCookie *mc, GError **err);
/* mc as libvirt's <qemu-migration> XML (owned), for the domain name with
 * uuid, from this host: what libvirt reads (<nbd>, <statistics>) in its own
 * elements, the rest in <hyperfs>. */
char *qemu_mig_cookie_format(const QemuMigCookie *mc, const char *name, const char *uuid);
/* This host's UUID for cookies: /etc/machine-id as a UUID, else the boot id. */
const char *qemu_mig_host_uuid(void);
