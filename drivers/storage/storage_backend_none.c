/* storage_backend_none.c: the pool types whose library this build lacks: a
 * row each, so that a pool of that type is refused at define with the reason
 * (EOPNOTSUPP) instead of "unknown type". */
#include "drivers/storage/storage_pool.h"

static int G_GNUC_UNUSED
refuse(const HvPoolDef *def, const char *lib, const char *why, GError **err)
{
	return hv_error_set(err, EOPNOTSUPP, "storage pool '%s': type %s needs %s%s, and this "
			    "hyperfs was built without it (install %s-dev and rebuild)", def->name,
			    def->type, lib, why, lib);
}

#ifndef HV_WITH_LIBISCSI
static int
no_libiscsi(const HvPoolDef *def, GError **err)
{
	return refuse(def, "libiscsi", "", err);
}

const StorageBackend storage_backend_iscsi_direct = {
	.type = "iscsi-direct",
	.check_def = no_libiscsi,
};

const StorageBackend storage_backend_iscsi = {
	.type = "iscsi",
	.check_def = no_libiscsi,
};
#endif

#ifndef HV_WITH_LIBNFS
static int
no_libnfs(const HvPoolDef *def, GError **err)
{
	return refuse(def, "libnfs", " where the kernel has no NFS client to mount with", err);
}

const StorageBackend storage_backend_netfs_libnfs = {
	.type = "netfs",
	.check_def = no_libnfs,
};
#endif

#ifndef HV_WITH_LIBRBD
static int
no_librbd(const HvPoolDef *def, GError **err)
{
	return refuse(def, "librbd", " (with librados)", err);
}

const StorageBackend storage_backend_rbd = {
	.type = "rbd",
	.check_def = no_librbd,
};
#endif
