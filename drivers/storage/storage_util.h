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
/* The same facts of a local file, read in-process from its first 4 KiB where
 * they say all (raw, a qcow2 without a backing file), else storage_img_info:
 * a pool of many files starts without a qemu-img per file. */
int storage_img_probe(const char *path, StorageVol *v, GError **err);
/* qemu-img create of def (capacity, backing store whose format qemu-img
 * detects first) at path (a file or a URL qemu-img reaches) in format. */
int storage_img_create(const char *path, const char *format, const HvVolumeDef *def,
		       GError **err);
/* v's format, capacity and backing file from the first n bytes of an image
 * of size bytes, without qemu-img (for volumes read over the network): qcow2
 * by its magic and header, anything else raw. */
void storage_img_header(StorageVol *v, const uint8_t *buf, size_t n, uint64_t size);

/* A stream over a local file or block device (pread/pwrite at s->offset,
 * which the caller may move between calls): download ends at the file's size
 * or the device's; an upload into a file may grow it, into a device stops at
 * its end (ENOSPC). length 0: to the end. finish: fdatasync. */
int storage_fd_stream_open(const char *path, bool upload, uint64_t offset, uint64_t length,
			   StorageStream **out, GError **err);
/* vol_upload and vol_download of backends whose volumes are local files or
 * devices (v->path). */
int storage_local_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
			 StorageStream **out, GError **err);
int storage_local_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
			   StorageStream **out, GError **err);
/* The size of a file or block device at path, or 0. */
uint64_t storage_path_size(const char *path);

/* storage_backend_dir.c: a folder of image files, for every pool whose
 * volumes are files in its target (dir, fs) */
int storage_dir_refresh(StoragePool *p, GHashTable *out, GError **err);
void storage_dir_sizes(StoragePool *p, StorageSizes *out);
int storage_dir_vol_create(StoragePool *p, const HvVolumeDef *def, StorageVol **out,
			   GError **err);
int storage_dir_vol_delete(StoragePool *p, StorageVol *v, GError **err);
int storage_dir_vol_resize(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags,
			   GError **err);
uint64_t storage_dir_vol_allocation(StoragePool *p, const StorageVol *v);
/* The format of a volume to make as an image file: raw (the default) or
 * qcow2, and a raw one has no backing store; NULL with the reason else. */
const char *storage_new_file_format(StoragePool *p, const HvVolumeDef *def, GError **err);
/* A backend table's members for volumes that are files in the pool's
 * target folder (dir, fs, netfs mounted by the kernel). */
#define STORAGE_DIR_VOLUME_OPS                                                              \
	.refresh = storage_dir_refresh, .sizes = storage_dir_sizes,                          \
	.vol_create = storage_dir_vol_create, .vol_delete = storage_dir_vol_delete,          \
	.vol_resize = storage_dir_vol_resize, .vol_allocation = storage_dir_vol_allocation, \
	.vol_upload = storage_local_upload, .vol_download = storage_local_download

/* The text of an attribute at path under the pool document's root
 * ("source/device", "path"), owned, or NULL. */
char *storage_def_prop(const HvPoolDef *def, const char *path, const char *attr);
/* Runs argv (NULL-terminated; argv[0] looked up in PATH) with stdin from
 * /dev/null; *out (may be NULL) its stdout. A failure says what and the
 * tool's message. */
int storage_run(const char *const *argv, char **out, const char *what, GError **err);

/* storage_loop.c: a free loop device bound to image file (auto-cleared at
 * its last close; partscan: the kernel reads its partition table). *dev the
 * device (owned); fd_out (may be NULL) keeps it open, else it is closed. */
int storage_loop_attach(const char *file, bool partscan, char **dev, int *fd_out,
			GError **err);
/* The loop device bound to file now, or NULL. */
char *storage_loop_find(const char *file);
/* Makes dev's node from /sys/class/block/NAME/dev when it is missing (no
 * udev here makes partitions' nodes). */
int storage_node_ensure(const char *dev, GError **err);
/* Before verb ("build", "start", "delete") of pool p from source dev: ENOENT
 * when dev is not there, EINVAL when it is neither a block device nor an
 * image file (the fs and disk backends). */
int storage_need_device(const StoragePool *p, const char *dev, const char *verb, GError **err);
/* Whether path is a mount point now (/proc/self/mountinfo). */
bool storage_mounted(const char *path);
/* A mounted pool's start may go on: its target folder exists and nothing is
 * mounted on it yet (ENOENT or EBUSY with the reason). */
int storage_mount_target_ready(StoragePool *p, GError **err);
/* Check, stop and delete of a pool mounted at its target (fs, netfs by
 * mount): active when mounted; unmount when mounted; remove the target
 * folder (gone already is fine). */
int storage_mount_check(StoragePool *p, bool *active, GError **err);
int storage_mount_stop(StoragePool *p, GError **err);
int storage_mount_delete(StoragePool *p, unsigned flags, GError **err);
/* A backend table's members for a pool that is a file system mounted at
 * its target, its volumes files in it. */
#define STORAGE_MOUNT_OPS                                                                   \
	.check = storage_mount_check, .stop = storage_mount_stop,                            \
	.delete = storage_mount_delete, STORAGE_DIR_VOLUME_OPS
/* Whether the kernel's device-mapper answers (/dev/mapper/control opens). */
bool storage_dm_available(void);
