/* storage_priv.h: helpers shared by the pool and volume halves of the storage
 * model (storage_conf.c, volume_conf.c). Internal to conf/. */
#pragma once
#include "conf/storage_conf.h"
#include "conf/conf_util.h"

/* Writes bytes into el as text with unit='bytes'. */
void hv_storage_set_bytes(xmlNode *el, uint64_t bytes);
