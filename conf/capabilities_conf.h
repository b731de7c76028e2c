/* capabilities_conf.h: libvirt host <capabilities> XML <-> HvCapsDef: the host
 * (uuid, cpu arch) and the guests it can run (os type, arch, domain types).
 * Like the other models, the whole document is kept and written back. */
#pragma once
#include <libxml/tree.h>
#include "util/error.h"

typedef struct {
	char *os_type;      /* hvm, xen, exe, ... */
	char *arch;         /* <arch name=> */
	char *emulator;     /* <arch><emulator>, or NULL */
	GPtrArray *domains; /* char*: the <domain type=> values */
} HvCapsGuestDef;

typedef struct {
	char host_uuid[37];
	char *host_arch;
	GPtrArray *guests; /* HvCapsGuestDef* */
	xmlDoc *doc;
} HvCapsDef;

HvCapsDef *hv_caps_def_parse(const char *xml, size_t len, GError **err);
char *hv_caps_def_format(const HvCapsDef *def);
void hv_caps_def_free(HvCapsDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvCapsDef, hv_caps_def_free)
