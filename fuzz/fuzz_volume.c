/* fuzz_volume.c: libFuzzer harness for volume documents, parsed in the context
 * of a parent pool whose type the first input byte picks (defaults depend on
 * it, as in libvirt). What parses must format to a fixed point. */
#include "conf/storage_conf.h"
#include "fuzz/fuzz_check.h"
#include <stdint.h>

static const char *const pool_types[] = { NULL, "dir", "logical", "disk", "iscsi", "rbd", "netfs" };
static HvPoolDef ctx;

static char *
reformat(const char *xml)
{
	HvVolumeDef *def = hv_volume_def_parse(ctx.type ? &ctx : NULL, xml, strlen(xml), NULL);
	char *out = def ? hv_volume_def_format(def) : NULL;

	hv_volume_def_free(def);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvVolumeDef *def;

	if (size < 1)
		return 0;
	ctx.type = (char *)pool_types[data[0] % G_N_ELEMENTS(pool_types)];
	def = hv_volume_def_parse(ctx.type ? &ctx : NULL, (const char *)data + 1, size - 1, NULL);
	if (def)
		HV_FUZZ_FIXED_POINT(hv_volume_def_format(def), reformat);
	hv_volume_def_free(def);
	return 0;
}
