/* files_common.c: what the per-kind file tables share: the error file, control
 * verbs dispatched through a table of ops offsets, and reading the name a
 * document declares. */
#include <string.h>
#include "fs/files.h"
#include "conf/domain_conf.h"
#include "conf/network_conf.h"
#include "conf/storage_conf.h"
#include "conf/secret_conf.h"
#include "util/names.h"

static const char *const kind_words[HV_OBJ_LAST] = {
	[HV_OBJ_NODE] = "node",	  [HV_OBJ_DOMAIN] = "domain", [HV_OBJ_NETWORK] = "network",
	[HV_OBJ_POOL] = "pool",	  [HV_OBJ_VOLUME] = "volume",
	[HV_OBJ_SECRET] = "secret",
};

int
hv_files_error(HvObj *o, GString *out, GError **err)
{
	HvFs *fs = o->node->fs;

	g_mutex_lock(&fs->lock);
	if (o->error)
		g_string_append(out, o->error);
	g_mutex_unlock(&fs->lock);
	return 0;
}

const char *
hv_bool_word(bool b)
{
	return b ? "yes" : "no";
}

int
hv_files_verb(HvConn *c, const void *ops, const HvVerb *verbs, size_t n, const char *kind,
	      const char *name, const char *token, GError **err)
{
	g_autoptr(GString) known = g_string_new(NULL);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(verbs[i].verb, token) == 0) {
			HvVerbFn fn = ops ? *(HvVerbFn *)((const char *)ops + verbs[i].off) : NULL;
			int r = hv_conn_check(c, (const void *)fn, kind, verbs[i].verb, HV_WRITES, err);

			return r < 0 ? r : fn(c, name, err);
		}
		g_string_append_printf(known, "%s%s", i ? ", " : "", verbs[i].verb);
	}
	return hv_error_set(err, EINVAL, "unknown verb '%s' for %s '%s' (use %s)", token, kind, name,
			    known->str);
}

/* The name a document declares, parsed with the kind's own parser so that a bad
 * document is refused here with the parser's message. */
int
hv_files_doc_name(HvObjKind kind, const char *buf, size_t len, char **name, GError **err)
{
	switch (kind) {
	case HV_OBJ_DOMAIN: {
		g_autoptr(HvDomainDef) d = hv_domain_def_parse(buf, len, err);
		if (!d)
			return err && *err ? hv_error_errno(*err) : -EINVAL;
		*name = g_strdup(d->name);
		break;
	}
	case HV_OBJ_NETWORK: {
		g_autoptr(HvNetworkDef) d = hv_network_def_parse(buf, len, err);
		if (!d)
			return err && *err ? hv_error_errno(*err) : -EINVAL;
		*name = g_strdup(d->name);
		break;
	}
	case HV_OBJ_POOL: {
		g_autoptr(HvPoolDef) d = hv_pool_def_parse(buf, len, err);
		if (!d)
			return err && *err ? hv_error_errno(*err) : -EINVAL;
		*name = g_strdup(d->name);
		break;
	}
	case HV_OBJ_VOLUME: {
		g_autoptr(HvVolumeDef) d = hv_volume_def_parse(NULL, buf, len, err);
		if (!d)
			return err && *err ? hv_error_errno(*err) : -EINVAL;
		*name = g_strdup(d->name);
		break;
	}
	case HV_OBJ_SECRET: {
		/* named by its uuid; "" when it has none yet (the driver gives one) */
		g_autoptr(HvSecretDef) d = hv_secret_def_parse(buf, len, err);
		if (!d)
			return err && *err ? hv_error_errno(*err) : -EINVAL;
		*name = g_strdup(d->uuid);
		return 0;
	}
	default:
		return hv_error_set(err, EINVAL, "no document kind");
	}
	return hv_name_check(kind_words[kind], *name, err);
}

int
hv_files_check_len(const char *what, size_t len, GError **err)
{
	if (len == 0)
		return hv_error_set(err, EINVAL, "%s: empty document", what);
	if (len > HV_DOC_MAX)
		return hv_error_set(err, EFBIG, "%s: document is larger than %u bytes", what,
				    HV_DOC_MAX);
	return 0;
}

/* A document written to <obj>/config.xml must name that object. */
int
hv_files_same_name(HvObjKind kind, HvObj *o, const char *buf, size_t len, GError **err)
{
	g_autofree char *name = NULL;
	int r = hv_files_check_len("config.xml", len, err);

	if (r < 0)
		return r;
	r = hv_files_doc_name(kind, buf, len, &name, err);
	if (r < 0)
		return r;
	if (strcmp(name, o->name) != 0)
		return hv_error_set(err, EINVAL,
				    "the document names '%s', not '%s': copy it into the "
				    "folder above to define a new object",
				    name, o->name);
	return 0;
}
