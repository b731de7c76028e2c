/* checkpoint_conf.h: libvirt's domaincheckpoint document <-> HvCheckpointDef
 * (docs/formatcheckpoint.rst): what a user may give at create (name,
 * description) and what a driver writes back (parent, creation time, one
 * bitmap per disk, the domain it was taken of). */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/error.h"

typedef struct {
	char *name;
	char *description;
	char *parent;        /* NULL: a root */
	int64_t creation_time;
	GPtrArray *disks;    /* char*: disk targets with a bitmap named as the checkpoint */
	char *domain_xml;    /* the <domain> it was taken of, or NULL */
} HvCheckpointDef;

/* A user's document: <domaincheckpoint> with an optional <name> and
 * <description> (EINVAL for anything else at the top, and a bad name). */
HvCheckpointDef *hv_checkpoint_def_parse(const char *xml, size_t len, GError **err);
/* no_domain: without the <domain> (VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN). */
char *hv_checkpoint_def_format(const HvCheckpointDef *def, bool no_domain);
void hv_checkpoint_def_free(HvCheckpointDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvCheckpointDef, hv_checkpoint_def_free)
