/* client_stream.h: the stream a client connection runs on (client_stream.c). */
#pragma once
#include "remote/client.h"
#include "remote/ssh2.h"

/* Connects as o->transport says: the stream's fd, with *child (ssh, ext) and
 * *ssh2 (libssh2) set when there is one; or -errno with err set. TLS is
 * added by the caller. */
int rpc_stream_open(const RpcConnectOpts *o, GPid *child, HvSsh2 **ssh2, GError **err);
