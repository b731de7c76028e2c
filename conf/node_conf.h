/* node_conf.h: the test driver's <node> document, in the format of libvirt's
 * test driver (test:///path.xml): a <node> holding <cpu> and <memory> facts and
 * <domain>, <network>, <pool> (with <volume>s) elements, each possibly given by
 * file='relative.xml' instead of inline. Parsing yields the child documents as
 * typed defs; the test driver builds its state from them. */
#pragma once
#include "conf/domain_conf.h"
#include "conf/network_conf.h"
#include "conf/storage_conf.h"

typedef struct {
	HvPoolDef *def;
	GPtrArray *volumes; /* HvVolumeDef* */
} HvNodePoolDef;

typedef struct {
	/* <cpu><nodes/><sockets/><cores/><threads/><active/><mhz/><model/></cpu>, 0 if absent */
	unsigned nodes, sockets, cores, threads, active, mhz;
	char *model;
	uint64_t memory_kib; /* <memory> */
	GPtrArray *domains;  /* HvDomainDef* */
	GPtrArray *networks; /* HvNetworkDef* */
	GPtrArray *pools;    /* HvNodePoolDef* */
	/* per-domain runtime hints from <domain> test namespace, if any */
} HvNodeDef;

/* A node document is a local file the operator chose, not peer input, so it may
 * be far larger than one document (HV_XML_MAX_SIZE); each child, inline or
 * file=, is still held to that. */
#define HV_NODE_MAX_SIZE (512u << 20)

/* basedir resolves file= references (NULL: references are refused). The
 * defs' uuids are as given, possibly empty: the driver fills them in. */
HvNodeDef *hv_node_def_parse(const char *xml, size_t len, const char *basedir, GError **err);
HvNodeDef *hv_node_def_parse_file(const char *path, GError **err);
void hv_node_def_free(HvNodeDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvNodeDef, hv_node_def_free)
