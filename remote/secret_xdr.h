/* secret_xdr.h: remote_nonnull_secret {uuid, usageType, usageID}, for both
 * sides (the secret procedures' numbers are proto.h's): hyperfsd's handlers
 * (proto_secret.c) and the remote driver (remote_secret.c). The secret
 * procedures carry their structures as X_RAW and code them here. */
#pragma once
#include "drivers/driver.h"
#include "remote/proto.h"
#include "remote/xdr.h"

/* VIR_SECRET_EVENT_ID_LIFECYCLE, _VALUE_CHANGED; lifecycle DEFINED, UNDEFINED */
enum { RPC_SECRET_EVENT_LIFECYCLE = 0, RPC_SECRET_EVENT_VALUE_CHANGED = 1 };

#define RPC_SECRET_LIST_MAX 16384u  /* REMOTE_SECRET_LIST_MAX */
#define RPC_SECRET_VALUE_MAX 65536u /* REMOTE_SECRET_VALUE_MAX */

typedef struct {
	char uuid[HV_UUID_STRLEN];
	int32_t usage_type;
	char *usage_id; /* owned */
} RpcSecret;

void rpc_secret_put(GByteArray *out, const char *uuid, int usage_type, const char *usage_id);
void rpc_secret_put_info(GByteArray *out, const HvSecretInfo *i);
/* Decodes one; the caller frees s->usage_id. Sticky failures as XdrIn's. */
void rpc_secret_get(XdrIn *in, RpcSecret *s);
/* A driver's secret event (defined, undefined, value-changed) as libvirt's
 * event id and lifecycle type; false for the others. */
bool rpc_secret_event(const char *event, int *event_id, int *type);
/* The event message (382 or 383) to a client's callback. */
void rpc_secret_event_message(GByteArray *out, int callback_id, const char *uuid,
			      int usage_type, const char *usage_id, int event_id, int type);
