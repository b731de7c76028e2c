/* ssh2.h: the libssh2 transport (ssh2.c): an in-process SSH session whose exec
 * channel runs hyperfsd --stdio far side, seen by client.c as a stream socket. */
#pragma once
#include "remote/client.h"

typedef struct HvSsh2 HvSsh2;

/* Takes sock (TCP, connected to the sshd): handshake, host key check
 * (o->known_hosts, o->known_hosts_verify), public key auth (o->user,
 * o->keyfile), exec channel. Returns the client's end of a socketpair and
 * sets *out, or -errno (sock closed, err set). */
int hv_ssh2_open(int sock, const RpcConnectOpts *o, HvSsh2 **out, GError **err);
/* Stops the pump and ends the session; accepts NULL. */
void hv_ssh2_free(HvSsh2 *s);
