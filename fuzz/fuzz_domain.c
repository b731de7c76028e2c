/* fuzz_domain.c: libFuzzer harness for domain documents: parse (grammar and
 * checks) must never crash or leak, and what parses must format to a fixed
 * point. Seeds: tests/fixtures/xml/domain (see fuzz/run.sh). */
#include "conf/domain_conf.h"
#include "fuzz/fuzz_check.h"
#include <stdint.h>

static char *
reformat(const char *xml)
{
	HvDomainDef *def = hv_domain_def_parse(xml, strlen(xml), NULL);
	char *out = def ? hv_domain_def_format(def) : NULL;

	hv_domain_def_free(def);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvDomainDef *def = hv_domain_def_parse((const char *)data, size, NULL);

	if (def)
		HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat);
	hv_domain_def_free(def);
	return 0;
}
