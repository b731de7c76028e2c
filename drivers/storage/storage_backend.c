/* storage_backend.c: the table of pool backends, keyed by pool type, and
 * whether a pool may be defined at all (a backend for its type, and what that
 * backend checks in the document). A new backend is one more row here. */
#include "drivers/storage/storage_pool.h"

static const StorageBackend *const backends[] = { &storage_backend_dir };

const StorageBackend *
storage_backend_find(const char *type)
{
	for (size_t k = 0; type && k < G_N_ELEMENTS(backends); k++)
		if (g_str_equal(backends[k]->type, type))
			return backends[k];
	return NULL;
}

const char *
storage_backend_types(void)
{
	static char *types;

	if (g_once_init_enter(&types)) {
		GString *s = g_string_new(NULL);

		for (size_t k = 0; k < G_N_ELEMENTS(backends); k++)
			g_string_append_printf(s, "%s%s", k ? " " : "", backends[k]->type);
		g_once_init_leave(&types, g_string_free(s, FALSE));
	}
	return types;
}

int
storage_pool_check_def(const HvPoolDef *def, const char *driver, GError **err)
{
	const StorageBackend *be = storage_backend_find(def->type);

	if (!be)
		return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': type '%s' is not supported "
				    "by the %s driver (%s)", def->name, def->type, driver,
				    storage_backend_types());
	return be->check_def ? be->check_def(def, err) : 0;
}
