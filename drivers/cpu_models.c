/* cpu_models.c: libvirt 9.0's CPU model names by architecture, as its CPU
 * drivers list them from the CPU map (x86 and ppc64 have models; arm and s390
 * have a driver and no named models; other architectures have no driver). */
#include <errno.h>
#include <string.h>
#include "drivers/cpu_models.h"
#include "util/error.h"

static const char *const x86_models[] = {
	"486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
	"qemu32", "kvm32", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn",
	"Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS", "SandyBridge",
	"SandyBridge-IBRS", "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX",
	"Haswell-noTSX-IBRS", "Haswell", "Haswell-IBRS", "Broadwell-noTSX",
	"Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS", "Skylake-Client",
	"Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
	"Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server",
	"Cascadelake-Server-noTSX", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
	"Icelake-Server-noTSX", "Cooperlake", "Snowridge", "athlon", "phenom", "Opteron_G1",
	"Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB",
	"EPYC-Rome", "EPYC-Milan", "Dhyana",
	NULL,
};

static const char *const ppc64_models[] = {
	"POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500",
	NULL,
};

static const char *const no_models[] = { NULL };

static const struct {
	const char *arch;
	const char *const *models; /* NULL: no CPU driver for it */
} arches[] = {
	{ "i686", x86_models }, { "x86_64", x86_models },
	{ "ppc64", ppc64_models }, { "ppc64le", ppc64_models },
	{ "armv6l", no_models }, { "armv7l", no_models }, { "armv7b", no_models },
	{ "aarch64", no_models }, { "s390", no_models }, { "s390x", no_models },
	{ "alpha", NULL }, { "cris", NULL }, { "ia64", NULL }, { "lm32", NULL },
	{ "m68k", NULL }, { "microblaze", NULL }, { "microblazeel", NULL }, { "mips", NULL },
	{ "mipsel", NULL }, { "mips64", NULL }, { "mips64el", NULL }, { "openrisc", NULL },
	{ "parisc", NULL }, { "parisc64", NULL }, { "ppc", NULL }, { "ppcle", NULL },
	{ "ppcemb", NULL }, { "riscv32", NULL }, { "riscv64", NULL }, { "sh4", NULL },
	{ "sh4eb", NULL }, { "sparc", NULL }, { "sparc64", NULL }, { "unicore32", NULL },
	{ "xtensa", NULL }, { "xtensaeb", NULL },
};

int
hv_cpu_models(const char *arch, GStrv *out, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(arches); i++) {
		if (strcmp(arches[i].arch, arch ? arch : ""))
			continue;
		if (!arches[i].models)
			return hv_error_set(err, ENOTSUP, "'%s' architecture is not supported by CPU "
					    "driver", arch);
		*out = g_strdupv((char **)arches[i].models);
		return 0;
	}
	return hv_error_set(err, EINVAL, "cannot find architecture %s", arch ? arch : "(null)");
}
