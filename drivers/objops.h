/* objops.h: the driver API (driver.h) implemented once over a connection's
 * object tables (c->tables, objtab.h): a driver built on the tables gives
 * these as its ops, and its classes say what is its own (info, XML, verb
 * rows). A verb a class has no row for answers ENOTSUP the way the checkpoint
 * in conn.h words it. A driver with extra domain methods (console,
 * screenshot) spells its table as
 *     const HvDomainOps x_domain_ops = { HV_OBJOPS_DOMAIN, .console_read = ... };
 * The others use hv_objops_domain, hv_objops_network, hv_objops_pool and
 * hv_objops_volume as they are. */
#pragma once
#include "drivers/objtab.h"

extern const HvDomainOps hv_objops_domain;
extern const HvNetworkOps hv_objops_network;
extern const HvPoolOps hv_objops_pool;
extern const HvVolumeOps hv_objops_volume;

int hv_objops_dom_list(HvConn *c, GPtrArray **out, GError **err);
int hv_objops_dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err);
int hv_objops_dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
int hv_objops_dom_define_xml(HvConn *c, const char *xml, char **name_out, GError **err);
int hv_objops_dom_undefine(HvConn *c, const char *name, GError **err);
int hv_objops_dom_start(HvConn *c, const char *name, GError **err);
int hv_objops_dom_shutdown(HvConn *c, const char *name, GError **err);
int hv_objops_dom_destroy(HvConn *c, const char *name, GError **err);
int hv_objops_dom_reboot(HvConn *c, const char *name, GError **err);
int hv_objops_dom_reset(HvConn *c, const char *name, GError **err);
int hv_objops_dom_suspend(HvConn *c, const char *name, GError **err);
int hv_objops_dom_resume(HvConn *c, const char *name, GError **err);
int hv_objops_dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags,
			     GError **err);
int hv_objops_dom_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags,
			    GError **err);
int hv_objops_dom_set_autostart(HvConn *c, const char *name, bool on, GError **err);
int hv_objops_dom_get_stats(HvConn *c, const char *name, char **text, GError **err);
int hv_objops_dom_get_job(HvConn *c, const char *name, HvJobInfo *out, GError **err);
int hv_objops_dom_abort_job(HvConn *c, const char *name, GError **err);
int hv_objops_dom_create_xml(HvConn *c, const char *xml, unsigned flags, char **name_out,
			     GError **err);

#define HV_OBJOPS_DOMAIN                                    \
	.list = hv_objops_dom_list,                         \
	.get_info = hv_objops_dom_get_info,                 \
	.get_xml = hv_objops_dom_get_xml,                   \
	.define_xml = hv_objops_dom_define_xml,             \
	.undefine = hv_objops_dom_undefine,                 \
	.start = hv_objops_dom_start,                       \
	.shutdown = hv_objops_dom_shutdown,                 \
	.destroy = hv_objops_dom_destroy,                   \
	.reboot = hv_objops_dom_reboot,                     \
	.reset = hv_objops_dom_reset,                       \
	.suspend = hv_objops_dom_suspend,                   \
	.resume = hv_objops_dom_resume,                     \
	.set_memory = hv_objops_dom_set_memory,             \
	.set_vcpus = hv_objops_dom_set_vcpus,               \
	.set_autostart = hv_objops_dom_set_autostart,       \
	.get_stats = hv_objops_dom_get_stats,               \
	.get_job = hv_objops_dom_get_job,                   \
	.abort_job = hv_objops_dom_abort_job,              \
	.create_xml = hv_objops_dom_create_xml
