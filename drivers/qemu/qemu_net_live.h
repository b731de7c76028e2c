/* qemu_net_live.h: a new config.xml of a RUNNING qemu domain, for its
 * interfaces: a changed <link state> is applied at once with QMP set_link
 * (the guest sees its carrier go or come) and kept in the live definition;
 * the rest of the new definition waits for the next start, as before. */
#pragma once
#include "drivers/qemu/qemu_domain.h"

/* The domain class's changed hook (lock held; released around QMP). */
void qemu_net_live_changed(HvObjTab *t, HvEntry *o);
