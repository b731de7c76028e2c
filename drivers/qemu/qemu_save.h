/* qemu_save.h: managed save, save to a path and restore (qemu_save.c), the
 * domain ops of driver.h over save images (qemu_saveimg.h). */
#pragma once
#include "drivers/driver.h"

int qemu_save_managed(HvConn *c, const char *name, unsigned flags, GError **err);
int qemu_save_has_managed(HvConn *c, const char *name, GError **err);
int qemu_save_managed_remove(HvConn *c, const char *name, GError **err);
int qemu_save_to(HvConn *c, const char *name, const char *path, unsigned flags, GError **err);
int qemu_save_restore(HvConn *c, const char *path, unsigned flags, char **name_out,
		      GError **err);
