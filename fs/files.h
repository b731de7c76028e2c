/* files.h: what the per-kind file tables (files_*.c) share: limits, control
 * verbs, documents, and the generic collection (collection.c). Which of a
 * table's reads a lookup or getattr may call is the rule in fs.h: mark every
 * read that may reach the hypervisor, or changes without an event, F_SLOW. */
#pragma once
#include <stddef.h>
#include "fs/fs.h"
#include "util/parse.h"

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
int hv_files_check_len(const char *what, size_t len, GError **err);
int hv_files_same_name(HvObjKind kind, HvObj *o, const char *buf, size_t len, GError **err);

/* collection.c: dir is a collection folder (hv_dir_is_collection), o an
 * object in one. */
int hv_coll_list(HvObj *dir, GPtrArray **names, GError **err);
int hv_coll_exists(HvObj *dir, const char *name, GError **err); /* 0, -ENOENT, or why not */
bool hv_coll_defines(HvObj *dir); /* a document copied into dir defines an object */
bool hv_coll_removes(HvObj *dir); /* rmdir of a child removes the object */
/* Defines the object a document copied into dir declares: checked, named,
 * refused with EEXIST when taken, then the driver's define. */
int hv_coll_define(HvObj *dir, const char *buf, size_t len, GError **err);
int hv_coll_remove(HvObj *dir, const char *name, GError **err);
/* config.xml of o: its persistent definition, and committing a new one */
int hv_coll_read_config(HvObj *o, GString *out, GError **err);
/* A document of o as this mount shows it (collection.c): the get_xml flag
 * that asks for secrets (a read-write mount's domains), and xml appended to
 * out without secrets on a read-only mount. */
unsigned hv_doc_secure_flag(HvObj *o);
void hv_doc_append(HvObj *o, GString *out, const char *xml);
int hv_coll_commit_config(HvObj *o, const char *buf, size_t len, GError **err);
int hv_coll_write_autostart(HvObj *o, const char *tok, GError **err);

/* files_volume.c: a volume's job, wipe and clone files */
bool hv_vol_has_job(HvObj *o);
bool hv_vol_has_data(HvObj *o);
bool hv_vol_has_wipe(HvObj *o);
bool hv_vol_has_clone(HvObj *o);
int hv_vol_read_job(HvObj *o, GString *out, GError **err);
int hv_vol_write_job(HvObj *o, const char *tok, GError **err);
int hv_vol_read_wipe(HvObj *o, GString *out, GError **err);
int hv_vol_write_wipe(HvObj *o, const char *tok, GError **err);
int hv_vol_read_clone(HvObj *o, GString *out, GError **err);
int hv_vol_write_clone(HvObj *o, const char *tok, GError **err);

extern const DirOps hv_root_ops, hv_node_ops, hv_nodeinfo_ops;
extern const DirOps hv_domains_ops, hv_domain_ops;
extern const DirOps hv_networks_ops, hv_network_ops;
extern const DirOps hv_pools_ops, hv_pool_ops, hv_volumes_ops, hv_volume_ops;
extern const DirOps hv_scratch_ops;
extern const DirOps hv_secrets_ops, hv_secret_ops;
extern const DirOps hv_snapshots_ops, hv_snapshot_ops;
extern const DirOps hv_ifaces_ops, hv_iface_ops, hv_nodedevs_ops, hv_nodedev_ops;

/* files_iface.c: an interface or node device by name, from the listing
 * (neither kind has a get_info); ENOENT when there is none. */
int hv_iface_find(HvObj *o, const char *name, HvInterfaceInfo **out, GError **err);
int hv_nodedev_find(HvObj *o, const char *name, HvNodeDevInfo **out, GError **err);

/* files_snapshot.c: what collection.c's snapshot row calls (dir: snapshots/) */
int hv_snapshot_doc_name(const char *buf, size_t len, char **name, GError **err);
int hv_snapshot_define(HvObj *dir, const char *xml, GError **err);
int hv_snapshot_remove(HvObj *dir, const char *name, GError **err);

#define HV_FILES(t) .files = (t), .nfiles = G_N_ELEMENTS(t)
