/* fuzz_domain.c: libFuzzer harness for domain documents: parse (grammar and
 * checks) must never crash or leak, and what parses must format to a fixed
 * point, generically and through the qemu driver's post-parse (what passes
 * its checks). Seeds: tests/fixtures/xml/domain, tests/xml/rules/domain and
 * tests/xml/rules/qemu (see fuzz/run.sh). */
#include "conf/domain_conf.h"
#include "fuzz/fuzz_check.h"
#include <stdint.h>

static char *
reformat_as(const char *xml, HvDomainPostParse pp)
{
	HvDomainDef *def = hv_domain_def_parse(xml, strlen(xml), NULL);
	char *out = NULL;

	if (def) {
		def->postparse = pp;
		if (hv_domain_def_postparse_check(def, NULL) == 0)
			out = hv_domain_def_format(def);
	}
	hv_domain_def_free(def);
	return out;
}

static char *
reformat(const char *xml)
{
	return reformat_as(xml, HV_DOMAIN_POSTPARSE_GENERIC);
}

static char *
reformat_qemu(const char *xml)
{
	return reformat_as(xml, HV_DOMAIN_POSTPARSE_QEMU);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvDomainDef *def = hv_domain_def_parse((const char *)data, size, NULL);

	if (def) {
		HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat);
		def->postparse = HV_DOMAIN_POSTPARSE_QEMU;
		if (hv_domain_def_postparse_check(def, NULL) == 0)
			HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat_qemu);
	}
	hv_domain_def_free(def);
	return 0;
}
