/* qemu_hotplug.h: vCPU counts, live and in the definition (qemu_hotplug.c). */
#pragma once
#include "drivers/qemu/qemu_domain.h"

/* DEVICE_DELETED of a device being removed; lock held. */
void qemu_vcpu_deleted(QemuConn *qc, QemuDomain *d, const char *device);
/* HvDomainOps.set_vcpus */
int qemu_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err);
