/* secret_conf.h: libvirt's <secret> document <-> HvSecretDef: uuid, the
 * ephemeral and private flags, a description and one usage (volume, ceph,
 * iscsi, tls, vtpm) with its id. Parsed through the safe parser and the
 * grammar in schema/secret.rng; formatted the way libvirt's
 * virSecretDefFormat writes it. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include "drivers/driver.h"

typedef struct {
	char uuid[HV_UUID_STRLEN];
	bool ephemeral;   /* kept in memory only, never stored */
	bool is_private;  /* the value is never given out (RPC GetValue refuses) */
	char *description;
	int usage_type;   /* HvSecretUsage */
	char *usage_id;   /* the usage's <volume>, <name> or <target>; NULL for none */
} HvSecretDef;

void hv_secret_def_free(HvSecretDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvSecretDef, hv_secret_def_free)

/* A document (at most HV_XML_MAX_SIZE): -EINVAL with the reason on a bad one.
 * A missing uuid stays empty (the store gives one). */
HvSecretDef *hv_secret_def_parse(const char *xml, size_t len, GError **err);
char *hv_secret_def_format(const HvSecretDef *def);
HvSecretDef *hv_secret_def_copy(const HvSecretDef *def);

/* usage type <-> its word in <usage type=...> ("volume"); NULL / -1 when unknown */
const char *hv_secret_usage_word(int type);
int hv_secret_usage_type(const char *word);
