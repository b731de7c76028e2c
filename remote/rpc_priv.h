/* rpc_priv.h: what rpc.c and rpc_extra.c share of the codec. */
#pragma once
#include "remote/rpc.h"

void rpc_param_clear(void *p);          /* an RpcParam's members */
void rpc_get_param(XdrIn *in, GArray *params); /* one remote_typed_param */
void rpc_put_params(GByteArray *out, const GArray *ps); /* remote_typed_param<> */
/* The shapes of rpc_extra.c, one member each. */
bool rpc_is_extra(XField f);
void rpc_get_extra(XdrIn *in, XField f, RpcMsg *m);
void rpc_put_extra(GByteArray *out, XField f, const RpcMsg *m);
