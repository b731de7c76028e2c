/* cpu_conf.h: libvirt's <cpu> document of a host or guest CPU, the parts a
 * baseline looks at (virConnectBaselineCPU): arch, model, vendor and the
 * features it requires. */
#pragma once
#include <glib.h>
#include "util/error.h"

typedef struct {
	char *arch;
	char *model;
	char *vendor;        /* or NULL */
	GPtrArray *features; /* char*: the required ones (no policy, require or force) */
} HvCpuDef;

/* EBADMSG in libvirt's words ("Missing CPU architecture", "Missing CPU model
 * name"), EINVAL for a document that is no <cpu>. */
HvCpuDef *hv_cpu_def_parse(const char *xml, size_t len, GError **err);
/* <cpu mode='custom' match='exact'>, its model (fallback forbid), vendor and
 * features (policy require) in name order. */
char *hv_cpu_def_format(const HvCpuDef *def);
void hv_cpu_def_free(HvCpuDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvCpuDef, hv_cpu_def_free)
