/* storage_util.h: helpers that backends share: qemu-img (create, resize,
 * info as JSON) for backends whose volumes are image files or devices. */
#pragma once
#include "drivers/storage/storage_pool.h"

/* Runs qemu-img with args (NULL-terminated, without "qemu-img"); *out (may be
 * NULL) gets its stdout. A failure says what (a verb phrase) and qemu-img's
 * message. */
int storage_qemu_img(const char *const *args, char **out, const char *what, GError **err);
/* qemu-img info -U --output=json of path into v: format, virtual size,
 * backing file and its format (-U: files a running QEMU holds can be read). */
int storage_img_info(const char *path, StorageVol *v, GError **err);
