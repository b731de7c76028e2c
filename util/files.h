/* files.h: small file-system helpers (files.c). */
#pragma once

/* Removes the files of dir (no subfolders) and dir itself; what is not
 * there is no error, and nothing is reported. */
void hv_remove_flat_dir(const char *dir);
