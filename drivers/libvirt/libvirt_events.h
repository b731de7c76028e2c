/* libvirt_events.h: libvirt's lifecycle events registered on a connection
 * and reported as ours (libvirt_events.c). */
#pragma once
#include "drivers/libvirt/libvirt_priv.h"

void lv_events_register(LvPriv *p, virConnectPtr conn);
void lv_events_deregister(LvPriv *p, virConnectPtr conn);
