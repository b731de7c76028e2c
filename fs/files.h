/* files.h: helpers shared by the per-kind file tables (files_*.c). */
#pragma once
#include <stddef.h>
#include "fs/fs.h"

#define HV_DOC_MAX (4u << 20) /* config.xml and copied documents: 4 MiB */
#define HV_CTL_MAX 4096       /* one control write */

typedef int (*HvVerbFn)(HvConn *c, const char *name, GError **err);

/* A control verb: which ops-table slot it calls. */
typedef struct {
	const char *verb;
	size_t off; /* offsetof(HvDomainOps, start) ... */
} HvVerb;

int hv_files_verb(HvConn *c, const void *ops, const HvVerb *verbs, size_t n, const char *kind,
		  const char *name, const char *token, GError **err);
int hv_files_doc_name(HvObjKind kind, const char *buf, size_t len, char **name, GError **err);
/* The names out of a bulk listing of Hv*Info (each starts with its name). */
int hv_files_names_of(GPtrArray *infos, GPtrArray **names);
/* Defines the object a document copied into the collection dir declares:
 * checked, named, refused with EEXIST when taken, then the driver's define. */
int hv_files_define(HvObj *dir, const char *buf, size_t len, GError **err);
int hv_files_check_len(const char *what, size_t len, GError **err);
int hv_files_same_name(HvObjKind kind, HvObj *o, const char *buf, size_t len, GError **err);

extern const DirOps hv_root_ops, hv_node_ops, hv_nodeinfo_ops;
extern const DirOps hv_domains_ops, hv_domain_ops;
extern const DirOps hv_networks_ops, hv_network_ops;
extern const DirOps hv_pools_ops, hv_pool_ops, hv_volumes_ops, hv_volume_ops;
extern const DirOps hv_scratch_ops;

#define HV_FILES(t) .files = (t), .nfiles = G_N_ELEMENTS(t)
