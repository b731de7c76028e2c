/* qemu_console.h: serial consoles of running domains (qemu_console.c). */
#pragma once
#include "drivers/qemu/qemu_domain.h"

int qemu_console_start_thread(QemuConn *qc, GError **err);
void qemu_console_stop_thread(QemuConn *qc);
/* After QMP is up (no lock held): opens charserial0; fresh: a new boot (an
 * empty ring), else a re-attach (the ring starts with the log's tail). */
void qemu_console_attach(QemuConn *qc, const char *name, QemuMon *m, bool fresh);
void qemu_console_detach(QemuConn *qc, QemuDomain *d); /* lock held */
/* HvDomainOps.console_read and console_write */
int qemu_console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
		      GError **err);
int qemu_console_write(HvConn *c, const char *name, const char *buf, size_t len,
		       GError **err);
