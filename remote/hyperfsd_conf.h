/* hyperfsd_conf.h: hyperfsd's configuration file, in the spirit of
 * libvirtd.conf: `key = value` lines, where a value is an integer, a "string"
 * (or 'string') or a [ list, of, strings ] that may span lines; `#` starts a
 * comment. Unknown keys, wrong types, values out of range and keys set twice
 * are refused with FILE:LINE and the reason. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
	char **listen;              /* listen = [ "unix:PATH", ... ] */
	char *pki_dir;              /* pki_dir */
	char **tls_allowed_dn_list; /* tls_allowed_dn_list */
	int tls_no_verify_certificate; /* -1: not set */
	int64_t max_clients;        /* -1: not set, for every number */
	int64_t max_client_requests;
	int64_t max_message_size;
	int64_t max_queued_bytes;
	int64_t keepalive_interval;
	int64_t keepalive_count;
	char *default_uri;
	char *pidfile;
	char *log_file;
	char *log_level;            /* "info" or "debug" */
} HvdConf;

void hvd_conf_init(HvdConf *c);
void hvd_conf_clear(HvdConf *c);
/* Parses text (from file, for messages) into c. 0, or -EINVAL with
 * "FILE:LINE: reason" in err. */
int hvd_conf_parse(HvdConf *c, const char *file, const char *text, size_t len, GError **err);
/* Reads and parses path. A missing file is -ENOENT (with a message). */
int hvd_conf_load(HvdConf *c, const char *path, GError **err);
