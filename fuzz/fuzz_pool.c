/* fuzz_pool.c: libFuzzer harness for pool documents: parse (grammar and
 * checks) must never crash or leak, and what parses must format to a fixed
 * point. Seeds: tests/fixtures/xml/pool (see fuzz/run.sh). */
#include "conf/storage_conf.h"
#include "fuzz/fuzz_check.h"
#include <stdint.h>

static char *
reformat(const char *xml)
{
	HvPoolDef *def = hv_pool_def_parse(xml, strlen(xml), NULL);
	char *out = def ? hv_pool_def_format(def) : NULL;

	hv_pool_def_free(def);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvPoolDef *def = hv_pool_def_parse((const char *)data, size, NULL);

	if (def)
		HV_FUZZ_FIXED_POINT(hv_pool_def_format(def), reformat);
	hv_pool_def_free(def);
	return 0;
}
