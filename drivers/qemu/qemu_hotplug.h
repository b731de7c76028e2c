/* qemu_hotplug.h: vCPU counts, live and in the definition (qemu_hotplug.c). */
#pragma once
#include "drivers/qemu/qemu_domain.h"

/* DEVICE_DELETED of a device being removed; lock held. */
void qemu_vcpu_deleted(QemuConn *qc, QemuDomain *d, const char *device);
/* The set-vcpus verb row's act (arg: HvSetArg; lock and job held). */
int qemu_set_vcpus(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
