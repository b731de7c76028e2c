/* secret_store.h: libvirt's secret objects for the local drivers (test, qemu;
 * LXC and UML may open one the same way). A store holds the secrets of one
 * connection, indexed by uuid, with libvirt's rules (one secret per usage, a
 * private secret stays private), and keeps them, unless ephemeral, in a folder
 * as libvirt's secret driver does: DIR/UUID.xml and the value in
 * DIR/UUID.base64, both 0600, in a 0700 folder. A driver opens its store at
 * connect, sets c->secrets and lists hv_secret_store_ops in its HvDriver. */
#pragma once
#include "drivers/driver.h"

#define SECRET_STORE_MAX 16384   /* secrets per node: REMOTE_SECRET_LIST_MAX */
#define SECRET_VALUE_MAX 65536   /* bytes of one value: REMOTE_SECRET_VALUE_MAX */

typedef struct SecretStore SecretStore;

/* dir NULL: in memory only (the test driver). Else the folder is made 0700
 * when missing and the secrets stored there are loaded; one that cannot be
 * read is skipped (debug log). Events go to c. */
SecretStore *secret_store_open(HvConn *c, const char *dir, GError **err);
void secret_store_free(SecretStore *s); /* NULL-safe */

extern const HvSecretOps hv_secret_store_ops;

/* StorageHost.secret_value over a store (opaque: the SecretStore): the value
 * of the secret whose uuid is usage_or_uuid, else of the one of that usage
 * ("iscsi", "ceph", ...). ENOENT naming what was asked when there is none,
 * ENOKEY when it has no value yet. */
int secret_store_value(void *opaque, const char *usage_type, const char *usage_or_uuid,
		       GBytes **value, GError **err);

/* A copy of len bytes that is wiped when the last reference goes. */
GBytes *secret_bytes_new(const void *data, size_t len);
