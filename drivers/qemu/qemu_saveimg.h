/* qemu_saveimg.h: save images (qemu_saveimg.c), the files that managed save,
 * save to a path and external memory snapshots write: a header line, the
 * domain's definition, zero padding to 4 KiB, then QEMU's migration stream
 * (QEMU 7.2 has no file: target, so the stream goes through exec:cat and
 * comes back through exec:tail). Moving memory out of and into QEMU over a
 * monitor. No lock is held by anything here. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "drivers/qemu/qemu_conf.h"
#include "drivers/saveimg.h"

/* LIB/save/NAME.save: where a domain's managed save image lives (owned). */
char *qemu_managed_save_path(QemuConn *qc, const char *name);
/* The -incoming URI that reads the stream of path back (owned). */
char *qemu_saveimg_incoming(const char *path, uint64_t offset);
/* Stops the guest and appends its migration stream to path; waits (bounded)
 * until QEMU says completed. The guest stays paused. */
int qemu_saveimg_migrate_out(QemuMon *m, const char *name, const char *path, GError **err);
/* Waits (bounded) until an -incoming QEMU has read its whole stream. */
int qemu_saveimg_wait_in(QemuMon *m, const char *name, GError **err);
