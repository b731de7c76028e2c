/* qemu_migration_opts.h: a migration's parameters, URIs and QEMU options
 * (qemu_migration_opts.c), for the phases in qemu_migration.c. */
#pragma once
#include "drivers/driver.h"
#include "drivers/qemu/qemu_monitor.h"

/* A string parameter's value, NULL when absent or empty. */
const char *qemu_mig_param_str(const GArray *ps, const char *field);
/* A number parameter's value: false when absent or not a number. */
bool qemu_mig_param_u64(const GArray *ps, const char *field, uint64_t *out);
/* The host (owned) and port (0: none) of tcp:HOST[:PORT] or tcp://HOST[:PORT]. */
int qemu_mig_uri_host(const char *uri, char **host, unsigned *port, GError **err);
/* A free TCP port (the kernel's choice), or -errno. */
int qemu_mig_free_port(GError **err);
/* No lock held: the capabilities flags ask for, the others off. */
int qemu_mig_set_caps(QemuMon *m, unsigned flags, GError **err);
/* No lock held: bandwidth (MiB/s), downtime (ms), the first throttle. */
int qemu_mig_set_params(QemuMon *m, const GArray *ps, GError **err);
