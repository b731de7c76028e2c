/* qemu_stats.h: what a running QEMU is asked for in bulk (qemu_stats.c):
 * HvDomainOps.get_stats and screenshot. */
#pragma once
#include "drivers/objtab.h"

/* The get-stats row's act (arg: char **, the text). */
int qemu_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
/* HvDomainOps.screenshot: a query job of its own, taken without waiting. */
extern const HvJobType qemu_job_screenshot;
int qemu_domain_screenshot(HvConn *c, const char *name, GBytes **png, GError **err);
