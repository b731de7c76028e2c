/* fuzz_rpc.c: libFuzzer harness for remote/'s decoders. The input is read as a
 * stream of frames (length word, header, body), the way hyperfsd reads a
 * socket; each body goes through the dispatcher (no connection open, so only
 * the pre-open rows run) and through every table row's argument and reply
 * shape, and the error structure decoder. Built and run by remote/fuzz.sh. */
#include <string.h>
#include "remote/proto.h"

static int
no_open(RpcClientCtx *c, const char *uri, GError **err)
{
	return hv_error_set(err, ENOTSUP, "the fuzzer opens nothing");
}

static void
no_close(RpcClientCtx *c)
{
}

static void
decode_all(const uint8_t *p, size_t n)
{
	size_t count;
	const RpcProc *procs = rpc_procs(&count);
	RpcError e = { 0 };
	XdrIn in;

	for (size_t i = 0; i < count; i++) {
		RpcMsg m = { 0 };

		xdr_in_init(&in, p, n);
		rpc_msg_decode(procs[i].args, &in, &m);
		rpc_msg_clear(&m);
		xdr_in_init(&in, p, n);
		rpc_msg_decode(procs[i].ret, &in, &m);
		rpc_msg_clear(&m);
	}
	xdr_in_init(&in, p, n);
	rpc_error_decode(&in, &e);
	rpc_error_clear(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RpcClientCtx c = { .open = no_open, .close = no_close };
	g_autoptr(GByteArray) out = g_byte_array_new();

	while (size >= 4) {
		uint32_t len;
		RpcHeader h;
		XdrIn in;

		if (rpc_frame_length(data, RPC_MAX_FRAME, &len) < 0 || len > size)
			break;
		xdr_in_init(&in, data + 4, len - 4);
		if (rpc_header_decode(&in, &h) == 0) {
			const uint8_t *body = data + 4 + RPC_HEADER_SIZE;
			size_t blen = len - 4 - RPC_HEADER_SIZE;

			if (h.prog == RPC_PROGRAM && h.type == RPC_CALL)
				rpc_dispatch(&c, &h, body, blen, out);
			decode_all(body, blen);
		}
		data += len;
		size -= len;
	}
	return 0;
}
