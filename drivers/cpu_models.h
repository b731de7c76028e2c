/* cpu_models.h: the CPU model names libvirt 9.0's CPU map knows per
 * architecture (virConnectGetCPUModelNames), for drivers that answer as
 * libvirt does. */
#pragma once
#include <glib.h>

/* *out (owned): the models of arch, maybe none (arm, s390). EINVAL for a
 * name libvirt does not know ("cannot find architecture NAME"), ENOTSUP
 * for an architecture without a CPU driver. */
int hv_cpu_models(const char *arch, GStrv *out, GError **err);
