/* qemu_monitor.h: a QMP client on a unix socket. Open connects, reads the
 * greeting and negotiates capabilities; a reader thread then delivers events
 * to a callback and replies to the one command in flight. Callbacks run on the
 * reader thread: they may take the driver lock, so never hold that lock while
 * calling qemu_mon_command or qemu_mon_close. */
#pragma once
#include "drivers/qemu/qemu_json.h"

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
/* Stops the reader (no callback runs after it returns) and closes the socket. */
void qemu_mon_close(QemuMon *m);
QemuMon *qemu_mon_ref(QemuMon *m);
void qemu_mon_unref(QemuMon *m); /* NULL-safe; closes on the last reference */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuMon, qemu_mon_unref)
