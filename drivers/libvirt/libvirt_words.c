/* libvirt_words.c: libvirt's event numbers -> our event words, through the
 * tables hyperfsd uses the other way (remote/proto.c). A file of its own
 * because remote/proto.h names libvirt's error numbers itself and cannot be
 * included beside libvirt's headers. */
#include "drivers/libvirt/libvirt_words.h"
#include "remote/proto.h"

bool
lv_domain_event_words(int type, int code, const char **event, const char **detail)
{
	return rpc_lifecycle_words(type, code, event, detail);
}

bool
lv_obj_event_words(HvObjKind kind, bool refresh, int type, const char **event)
{
	return rpc_obj_event_words(kind, refresh ? RPC_EVENT_POOL_REFRESH : RPC_EVENT_LIFECYCLE,
				   type, event);
}
