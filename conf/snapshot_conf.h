/* snapshot_conf.h: libvirt's domainsnapshot document <-> HvSnapshotDef
 * (docs/formatsnapshot.rst): name, description, state, parent, creation
 * time, memory and disks (internal, external with a file, or no), and the
 * domain definition it was taken of. Drivers keep it as their snapshot
 * metadata; what a user may write is the subset libvirt accepts at create. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/error.h"

typedef struct {
	char *name;     /* the disk's target (vda) */
	char *snapshot; /* internal, external, no; NULL: the driver's default */
	char *file;     /* external: the overlay, or NULL for the default */
	char *base;     /* external: the image it was on (metadata only) */
	char *format;   /* external: the base's format (metadata only) */
} HvSnapshotDiskDef;

typedef struct {
	char *name;
	char *description;
	char *parent;
	char *state;         /* running, paused, shutoff, disk-snapshot (metadata) */
	int64_t creation_time;
	char *memory;        /* no, internal, external; NULL: the driver's default */
	char *memory_file;   /* external memory */
	GPtrArray *disks;    /* HvSnapshotDiskDef* */
	char *domain_xml;    /* the <domain> it was taken of (metadata), or NULL */
} HvSnapshotDef;

/* Parses a domainsnapshot document: EINVAL naming what is wrong. metadata:
 * accept the fields only a driver writes (state, parent, creationTime,
 * <domain>) without complaint; a user's document may hold them too (libvirt
 * ignores them at create). */
HvSnapshotDef *hv_snapshot_def_parse(const char *xml, size_t len, GError **err);
char *hv_snapshot_def_format(const HvSnapshotDef *def);
void hv_snapshot_def_free(HvSnapshotDef *def);
HvSnapshotDiskDef *hv_snapshot_disk_new(const char *name, const char *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvSnapshotDef, hv_snapshot_def_free)

/* A copy of the domain document xml whose disk with target dev `target` has
 * its <source file=> set to file and its <driver type=> to format (what an
 * external snapshot or its merge changes), as text (owned); EINVAL when the
 * domain has no such disk. */
char *hv_domain_xml_with_disk_source(const char *xml, const char *target, const char *file,
				     const char *format, GError **err);
