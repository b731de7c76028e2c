/* libvirt_words.h: libvirt's event numbers as our event words
 * (libvirt_words.c). */
#pragma once
#include <stdbool.h>
#include "drivers/driver.h"

/* virDomainEventType and its detail -> "stopped", "destroyed", ... */
bool lv_domain_event_words(int type, int code, const char **event, const char **detail);
/* A network or pool lifecycle event type (or a pool refresh) -> its word. */
bool lv_obj_event_words(HvObjKind kind, bool refresh, int type, const char **event);
