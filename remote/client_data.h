/* client_data.h: an HvDataStream over libvirt's stream packets (client_data.c). */
#pragma once
#include "drivers/driver.h"
#include "remote/client.h"
#include "remote/proto.h"

/* Calls proc with args (StorageVolUpload, StorageVolDownload) and, once it is
 * answered, gives the stream of its packets in *out. 0, or -errno with err. */
int rpc_data_open(RpcClient *cl, int32_t proc, const RpcMsg *args, uint64_t offset,
		  uint64_t length, HvDataStream **out, GError **err);
/* ... and the call's reply into ret (may be NULL), as rpc_client_wait
 * decodes it: PrepareTunnel3Params' cookie. */
int rpc_data_open_ret(RpcClient *cl, int32_t proc, const RpcMsg *args, RpcMsg *ret,
		      uint64_t offset, uint64_t length, HvDataStream **out, GError **err);
