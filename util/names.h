/* names.h: which object names can be folder names. A name is refused when it is
 * empty, ".", "..", starts with '.', holds '/' or a control character, or is
 * longer than NAME_MAX, so that no name can escape its folder. */
#pragma once
#include "util/error.h"

#define HV_NAME_MAX 255

/* 0 when name is usable, else -EINVAL naming kind and name. */
int hv_name_check(const char *kind, const char *name, GError **err);
