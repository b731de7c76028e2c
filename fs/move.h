/* move.h: mv of a domain between two nodes of one mount, and the domain's
 * `migrate` and `job` files (move.c). */
#pragma once
#include "fs/fs.h"

int hv_move_read_settings(HvObj *o, GString *out, GError **err);
int hv_move_write_settings(HvObj *o, const char *tok, GError **err);
int hv_move_read_job(HvObj *o, GString *out, GError **err);
int hv_move_write_job(HvObj *o, const char *tok, GError **err);
bool hv_move_has_job(HvObj *o);
bool hv_move_has_migrate(HvObj *o);
/* 0 when rename(dir/name, to/newname) moves a domain between nodes; -EXDEV
 * when it is no such move, -EPERM when the name changes (EINVAL reads
 * "to a subdirectory of itself" in mv). */
int hv_move_check(HvObj *dir, HvObj *to, const char *name, const char *newname);
/* The migration, lock NOT held: 0 or -errno with err. */
int hv_move_domain(HvObj *o, HvObj *to, GError **err);
/* After the reply: o is the domain's folder in `to` now. */
void hv_move_done(HvObj *o, HvObj *to);
/* mv domains/a domains/b within one node: 0 when o (dir's child) may be
 * renamed (a domain, and its driver renames), else -EPERM; the rename, lock
 * NOT held; after the reply, o is the folder newname. */
int hv_rename_check(HvObj *dir, HvObj *o);
int hv_rename_domain(HvObj *o, const char *newname, GError **err);
void hv_rename_done(HvObj *o, const char *newname);
