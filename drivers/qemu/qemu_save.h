/* qemu_save.h: managed save, save to a path and restore (qemu_save.c), the
 * domain ops of driver.h over save images (qemu_saveimg.h). */
#pragma once
#include "drivers/driver.h"
#include "drivers/saveimg.h"

int qemu_save_managed(HvConn *c, const char *name, unsigned flags, GError **err);
int qemu_save_has_managed(HvConn *c, const char *name, GError **err);
int qemu_save_managed_remove(HvConn *c, const char *name, GError **err);
int qemu_save_to(HvConn *c, const char *name, const char *path, unsigned flags, GError **err);
int qemu_save_restore(HvConn *c, const char *path, unsigned flags, char **name_out,
		      GError **err);

/* Their members of the driver's domain ops (with the shared image XML). */
#define QEMU_SAVE_OPS                                                                       \
	.managed_save = qemu_save_managed, .has_managed_save = qemu_save_has_managed,        \
	.managed_save_remove = qemu_save_managed_remove, .save = qemu_save_to,               \
	.restore = qemu_save_restore, .save_image_xml = hv_saveimg_xml
