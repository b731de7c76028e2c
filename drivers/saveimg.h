/* saveimg.h: save images (saveimg.c): what managed save, save to a path and
 * external memory snapshots write. A header line "hyperfs-save 1 XMLLEN
 * running|paused", the domain's definition, zero padding to 4 KiB, then the
 * hypervisor's memory stream (QEMU's migration stream; nothing for the test
 * driver). No lock is held by anything here. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "conf/domain_conf.h"
#include "util/error.h"

#define HV_SAVE_MAGIC "hyperfs-save"

/* Writes the header and xml to path (created 0600, truncated). */
int hv_saveimg_begin(const char *path, const char *xml, bool running, GError **err);
/* The header of path: its xml (owned, optional), whether the guest ran
 * (optional), and where the stream starts. EINVAL naming path when it is no
 * save image. */
int hv_saveimg_read(const char *path, char **xml, bool *running, uint64_t *offset,
		    GError **err);
/* The definition a save image holds, parsed (owned), and whether the guest
 * ran (optional). */
int hv_saveimg_def(const char *path, HvDomainDef **def, bool *running, GError **err);
/* HvDomainOps.save_image_xml for every driver that writes save images. */
struct HvConn;
int hv_saveimg_xml(struct HvConn *c, const char *path, char **xml, GError **err);
