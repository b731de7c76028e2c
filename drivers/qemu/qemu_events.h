/* qemu_events.h: QMP events of every monitor (qemu_events.c), the callbacks
 * that qemu_driver.c registers at open as qc->mon_cb. */
#pragma once
#include "drivers/qemu/qemu_monitor.h"

extern const QemuMonCallbacks qemu_event_callbacks;
