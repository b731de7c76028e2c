/* qemu_stats.h: what a running QEMU is asked for in bulk (qemu_stats.c):
 * HvDomainOps.get_stats and screenshot. */
#pragma once
#include "drivers/driver.h"

int qemu_domain_stats(HvConn *c, const char *name, char **text, GError **err);
int qemu_domain_screenshot(HvConn *c, const char *name, GBytes **png, GError **err);
