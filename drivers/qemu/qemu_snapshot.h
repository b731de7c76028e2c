/* qemu_snapshot.h: the qemu driver's snapshot ops (qemu_snapshot.c). */
#pragma once
#include "drivers/driver.h"

extern const HvSnapshotOps qemu_snapshot_ops;
