/* qemu_monitor.h: a QMP client on a unix socket. Open connects, reads the
 * greeting and negotiates capabilities; a reader thread then delivers events
 * to a callback and replies to the one command in flight. Every exchange has
 * a deadline (QEMU_MON_TIMEOUT_MS from the call: waiting for the command
 * slot, sending, and the reply together). A command that cannot be sent in
 * time (QEMU stopped reading) leaves the monitor broken: the stream may hold
 * half a command, so every later command fails at once; events still come,
 * and the socket's end still says QEMU is gone. Callbacks run on the reader
 * thread: they may take the driver lock, so never hold that lock while
 * calling qemu_mon_command or qemu_mon_close. */
#pragma once
#include <stdint.h>
#include "util/json.h"

#define QEMU_MON_TIMEOUT_MS 10000
#define QEMU_MON_MAX_LINE (1u << 20)

typedef struct QemuMon QemuMon;

typedef struct {
	/* An event: name and its "data" (may be NULL); both borrowed. */
	void (*event)(QemuMon *m, const char *event, const QJson *data, void *opaque);
	/* The peer closed the socket (QEMU exited); not called after qemu_mon_close. */
	void (*eof)(QemuMon *m, void *opaque);
} QemuMonCallbacks;

/* Connects to path (a listening QMP socket), handshakes, starts the reader. */
QemuMon *qemu_mon_open(const char *path, const QemuMonCallbacks *cb, void *opaque,
		       GError **err);
/* Runs one command; args is a JSON object text or NULL. *reply (optional)
 * gets the "return" value. A QMP error comes back as -EIO with its desc. */
int qemu_mon_command(QemuMon *m, const char *cmd, const char *args, QJson **reply,
		     GError **err);
/* balloon: the guest's memory target, in KiB. */
int qemu_mon_balloon(QemuMon *m, uint64_t kib, GError **err);
/* Commands sent on this monitor since it opened (qmp_capabilities included):
 * those whose sending began, whatever their answer. */
uint64_t qemu_mon_commands_sent(QemuMon *m);
/* The deadline of each later exchange (tests shorten it). */
void qemu_mon_set_timeout(QemuMon *m, int timeout_ms);
/* Stops the reader (no callback runs after it returns) and closes the socket. */
void qemu_mon_close(QemuMon *m);
QemuMon *qemu_mon_ref(QemuMon *m);
void qemu_mon_unref(QemuMon *m); /* NULL-safe; closes on the last reference */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuMon, qemu_mon_unref)
