/* fake_qmp.h: the fake QEMU the fault tests run as a child (fake_qmp.c). */
#pragma once
#include <stdbool.h>
#include <glib.h>

/* Serves QMP on the listening socket lfd, scripted over ctl; returns the
 * child's exit status once the driver sent quit or the test went. */
int fake_main(int lfd, int ctl);

/* Reads what there is on fd into buf; false at the end (or an error). Both
 * sides use it: the fake on its sockets, the test on the control socket. */
bool fake_fill(int fd, GString *buf);
