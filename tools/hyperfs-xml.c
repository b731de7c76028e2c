/* hyperfs-xml.c: the command-line face of conf/: validate documents, or print
 * one normalised the way hyperfs (and libvirt) writes it. The kind is found
 * from the root element.
 *   hyperfs-xml validate [--schema-only] FILE...
 *   hyperfs-xml format [--pool POOLFILE] FILE */
#include "conf/document.h"
#include "conf/xml.h"
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

static int
cmd_validate(int argc, char **argv)
{
	int failed = 0;
	bool grammar_only = argc > 0 && !strcmp(argv[0], "--schema-only");

	if (grammar_only) {
		argc--;
		argv++;
	}
	if (argc < 1) {
		fprintf(stderr, "usage: hyperfs-xml validate [--schema-only] FILE...\n");
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

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--pool") && i + 1 < argc) {
			if (!(pool = read_file(argv[++i], &pool_len)))
				return 1;
		} else if (!file && argv[i][0] != '-') {
			file = argv[i];
		} else {
			file = NULL;
			break;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: hyperfs-xml format [--pool POOLFILE] FILE\n");
		return 2;
	}
	if (!(buf = read_file(file, &len)))
		return 1;
	out = hv_document_format(buf, len, pool, pool_len, &err);
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
	fprintf(stderr, "usage: hyperfs-xml validate [--schema-only] FILE... | format [--pool POOLFILE] FILE\n");
	return 2;
}
