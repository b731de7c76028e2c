/* fuzz_node.c: libFuzzer harness for the test driver's <node> document (no
 * base directory, so file= references must be refused, never followed). */
#include "conf/node_conf.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HvNodeDef *def = hv_node_def_parse((const char *)data, size, NULL, NULL);

	hv_node_def_free(def);
	return 0;
}
