/* fuzz_domain.c: libFuzzer harness for domain documents: parse (grammar and
 * checks) must never crash or leak, and what parses must format to a fixed
 * point, generically and through the qemu driver's post-parse (what passes
 * its checks), read as its inactive definition and as a live one, and shown
 * as a running domain (with an id). Seeds: tests/fixtures/xml/domain, tests/xml/rules/domain and
 * tests/xml/rules/qemu (see fuzz/run.sh). */
#include "conf/domain_conf.h"
#include "fuzz/fuzz_check.h"
#include <stdint.h>

static char *
reformat_as(const char *xml, HvDomainPostParse pp, bool live)
{
	HvDomainDef *def = hv_domain_def_parse(xml, strlen(xml), NULL);
	char *out = NULL;

	if (def) {
		def->postparse = pp;
		def->live_parse = live;
		if (hv_domain_def_postparse_check(def, NULL) == 0)
			out = hv_domain_def_format(def);
	}
	hv_domain_def_free(def);
	return out;
}

static char *
reformat(const char *xml)
{
	return reformat_as(xml, HV_DOMAIN_POSTPARSE_GENERIC, false);
}

static char *
reformat_qemu(const char *xml)
{
	return reformat_as(xml, HV_DOMAIN_POSTPARSE_QEMU, false);
}

static char *
reformat_qemu_live(const char *xml)
{
	return reformat_as(xml, HV_DOMAIN_POSTPARSE_QEMU, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvDomainDef *def = hv_domain_def_parse((const char *)data, size, NULL);

	if (def) {
		HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat);
		/* shown running: its id on the root, formatted live */
		HV_FUZZ_FIXED_POINT(hv_domain_def_format_live(def, 7), reformat);
		def->postparse = HV_DOMAIN_POSTPARSE_QEMU;
		if (hv_domain_def_postparse_check(def, NULL) == 0)
			HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat_qemu);
		def->live_parse = true;
		if (hv_domain_def_postparse_check(def, NULL) == 0)
			HV_FUZZ_FIXED_POINT(hv_domain_def_format(def), reformat_qemu_live);
	}
	hv_domain_def_free(def);
	return 0;
}
