/* storage_backend.c: the table of pool backends, keyed by pool type, and
 * whether a pool may be defined at all (a backend for its type, and what that
 * backend checks in the document). A new backend is one more row here; a
 * type served in more than one way (netfs) has a row per way, the first that
 * is available on this host serving it. */
#include "drivers/storage/storage_pool.h"

static const StorageBackend *const backends[] = {
	&storage_backend_dir,
	&storage_backend_fs,
	&storage_backend_disk,
	&storage_backend_logical,
	&storage_backend_scsi,
	&storage_backend_mpath,
	&storage_backend_sheepdog,
	&storage_backend_iscsi_direct,
	&storage_backend_iscsi,
	&storage_backend_netfs_mount, /* before libnfs: it serves where it is available */
	&storage_backend_netfs_libnfs,
	&storage_backend_rbd,
};

static bool
available(const StorageBackend *be)
{
	return !be->available || be->available();
}

const StorageBackend *
storage_backend_find(const char *type)
{
	for (size_t k = 0; type && k < G_N_ELEMENTS(backends); k++)
		if (g_str_equal(backends[k]->type, type) && available(backends[k]))
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
			if (available(backends[k]))
				g_string_append_printf(s, "%s%s", s->len ? " " : "",
						       backends[k]->type);
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
