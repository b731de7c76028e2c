/* hyperfs-xml.c: the command-line face of conf/: validate documents, or print
 * one normalised the way hyperfs (and libvirt) writes it. The kind is found
 * from the root element.
 *   hyperfs-xml validate [--schema-only] [--driver qemu [--live|--inactive]] FILE...
 *   hyperfs-xml format [--pool POOLFILE] [--driver qemu [--live|--inactive]] FILE
 * --driver qemu formats a domain as the qemu driver shows it (its post-parse:
 * implicit controllers, default devices, addresses). A document without an
 * id is read as the driver's inactive definition; one with an id as a
 * running domain's (libvirt's status XML: what an inactive parse leaves out
 * is kept, and it is formatted live). --inactive and --live choose. */
#include "conf/document.h"
#include "conf/domain_conf.h"
#include "conf/xml.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char *
read_file(const char *path, gsize *len)
{
	g_autoptr(GError) gerr = NULL;
	char *buf = NULL;

	if (!g_file_get_contents(path, &buf, len, &gerr)) {
		fprintf(stderr, "hyperfs-xml: %s\n", gerr->message);
		return NULL;
	}
	return buf;
}

typedef enum { READ_AUTO, READ_INACTIVE, READ_LIVE } ReadAs;

/* READ_AUTO: live when the document's root has an id. */
static bool
read_live(const char *buf, gsize len, ReadAs as)
{
	g_autoptr(xmlDoc) doc = NULL;

	if (as != READ_AUTO)
		return as == READ_LIVE;
	doc = hv_xml_parse(buf, len, "domain", NULL);
	return doc && xmlHasProp(xmlDocGetRootElement(doc), (const xmlChar *)"id");
}

/* The --live / --inactive option at argv[0], if it is one. */
static bool
read_option(const char *arg, ReadAs *as)
{
	if (!strcmp(arg, "--live"))
		*as = READ_LIVE;
	else if (!strcmp(arg, "--inactive"))
		*as = READ_INACTIVE;
	else
		return false;
	return true;
}

/* A domain as that driver's post-parse leaves it; other kinds have none. */
static char *
format_for_driver(const char *buf, gsize len, const char *driver, ReadAs as, GError **err)
{
	g_autoptr(HvDomainDef) def = NULL;
	HvDomainPostParse pp;
	int kind;

	if (hv_domain_postparse_from_name(driver, &pp, err) < 0)
		return NULL;
	kind = hv_document_kind(buf, len, err);
	if (kind < 0)
		return NULL;
	if (kind != HV_SCHEMA_DOMAIN)
		return hv_document_format(buf, len, NULL, 0, err);
	if (!(def = hv_domain_def_parse(buf, len, err)))
		return NULL;
	def->postparse = pp;
	def->live_parse = read_live(buf, len, as);
	if (hv_domain_def_postparse_check(def, err) < 0)
		return NULL;
	return hv_domain_def_format(def);
}

/* A domain through that driver's post-parse checks too. */
static int
validate_for_driver(const char *buf, gsize len, const char *driver, ReadAs as, GError **err)
{
	g_autofree char *out = format_for_driver(buf, len, driver, as, err);

	return out ? 0 : -EINVAL;
}

static int
cmd_validate(int argc, char **argv)
{
	int failed = 0;
	bool grammar_only = false;
	ReadAs as = READ_AUTO;
	const char *driver = NULL;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "--schema-only"))
			grammar_only = true;
		else if (read_option(argv[0], &as))
			continue;
		else if (!strcmp(argv[0], "--driver") && argc > 1)
			driver = (argc--, *++argv);
		else
			break;
	}
	if (argc < 1) {
		fprintf(stderr, "usage: hyperfs-xml validate [--schema-only] [--driver qemu [--live|--inactive]] FILE...\n");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *buf = NULL;
		gsize len = 0;

		if (!(buf = read_file(argv[i], &len))) {
			failed++;
			continue;
		}
		if ((grammar_only ? hv_document_check_grammar(buf, len, &err)
		     : driver	  ? validate_for_driver(buf, len, driver, as, &err)
				  : hv_document_validate(buf, len, &err)) < 0) {
			fprintf(stderr, "%s: invalid: %s\n", argv[i], err->message);
			failed++;
		} else {
			printf("%s: valid\n", argv[i]);
		}
	}
	return failed ? 1 : 0;
}

static int
cmd_format(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *buf = NULL;
	g_autofree char *pool = NULL;
	g_autofree char *out = NULL;
	gsize len = 0, pool_len = 0;
	const char *file = NULL;
	const char *driver = NULL;
	ReadAs as = READ_AUTO;

	for (int i = 0; i < argc; i++) {
		if (read_option(argv[i], &as)) {
			continue;
		} else if (!strcmp(argv[i], "--pool") && i + 1 < argc) {
			if (!(pool = read_file(argv[++i], &pool_len)))
				return 1;
		} else if (!strcmp(argv[i], "--driver") && i + 1 < argc) {
			driver = argv[++i];
		} else if (!file && argv[i][0] != '-') {
			file = argv[i];
		} else {
			file = NULL;
			break;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: hyperfs-xml format [--pool POOLFILE] [--driver qemu [--live|--inactive]] FILE\n");
		return 2;
	}
	if (!(buf = read_file(file, &len)))
		return 1;
	out = driver ? format_for_driver(buf, len, driver, as, &err)
		     : hv_document_format(buf, len, pool, pool_len, &err);
	if (!out) {
		fprintf(stderr, "%s: invalid: %s\n", file, err->message);
		return 1;
	}
	fputs(out, stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "validate", cmd_validate },
	{ "format", cmd_format },
};

int
main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "usage: hyperfs-xml validate [--schema-only] [--driver qemu] FILE... | format [--pool POOLFILE] [--driver qemu] FILE\n");
	return 2;
}
