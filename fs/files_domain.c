/* files_domain.c: domains/ and domains/<name>/: one table of files, each a
 * read (and maybe write) through the domain ops of the node's driver. */
#include <inttypes.h>
#include <string.h>
#include "fs/files.h"
#include "fs/move.h"
#include "util/cpulist.h"
#include "util/parse.h"
#include "util/table.h"

static const char *const state_names[HV_DOMAIN_STATE_LAST] = {
	[HV_DOMAIN_NOSTATE] = "nostate",   [HV_DOMAIN_RUNNING] = "running",
	[HV_DOMAIN_BLOCKED] = "blocked",   [HV_DOMAIN_PAUSED] = "paused",
	[HV_DOMAIN_SHUTDOWN] = "shutdown", [HV_DOMAIN_SHUTOFF] = "shutoff",
	[HV_DOMAIN_CRASHED] = "crashed",   [HV_DOMAIN_PMSUSPENDED] = "pmsuspended",
};

static const HvVerb verbs[] = {
	{ "start", offsetof(HvDomainOps, start) },
	{ "shutdown", offsetof(HvDomainOps, shutdown) },
	{ "destroy", offsetof(HvDomainOps, destroy) },
	{ "reboot", offsetof(HvDomainOps, reboot) },
	{ "reset", offsetof(HvDomainOps, reset) },
	{ "suspend", offsetof(HvDomainOps, suspend) },
	{ "resume", offsetof(HvDomainOps, resume) },
	{ "discard-save", offsetof(HvDomainOps, managed_save_remove) },
};

static int
info(HvObj *o, HvDomainInfo **out, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, domain, get_info, HV_READS, err, o->name, out);
}

static const char *
state_name(HvDomainState s)
{
	return s < HV_DOMAIN_STATE_LAST ? state_names[s] : "nostate";
}

static bool
is_active(const HvDomainInfo *i)
{
	return i->state != HV_DOMAIN_SHUTOFF;
}

/* Which definitions a change affects: the running one and the persistent one
 * together, like virsh --live --config. */
static unsigned
affect(const HvDomainInfo *i)
{
	if (!is_active(i))
		return HV_AFFECT_CONFIG;
	return HV_AFFECT_LIVE | (i->persistent ? HV_AFFECT_CONFIG : 0);
}

/* The running definition (equal to config.xml while shut off). */
static int
r_live(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, domain, get_xml, HV_READS, err, o->name, hv_doc_secure_flag(o), &xml);

	if (r < 0)
		return r;
	hv_doc_append(o, out, xml);
	return 0;
}

#define INFO_READER(fname, fmt, expr)                                   \
	static int fname(HvObj *o, GString *out, GError **err)          \
	{                                                               \
		g_autoptr(HvDomainInfo) i = NULL;                        \
		int r = info(o, &i, err);                               \
		if (r < 0)                                              \
			return r;                                       \
		g_string_append_printf(out, fmt "\n", expr);            \
		return 0;                                               \
	}

INFO_READER(r_state, "%s", state_name(i->state))
INFO_READER(r_memory, "%" PRIu64, i->memory_kib)
INFO_READER(r_max_memory, "%" PRIu64, i->max_memory_kib)
INFO_READER(r_vcpus, "%u", i->vcpus)
INFO_READER(r_max_vcpus, "%u", i->max_vcpus)
INFO_READER(r_autostart, "%d", i->autostart ? 1 : 0)
INFO_READER(r_id, "%d", i->id)
INFO_READER(r_uuid, "%s", i->uuid)
INFO_READER(r_persistent, "%d", i->persistent ? 1 : 0)

static int
r_info(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvDomainInfo) i = NULL;
	int r = info(o, &i, err);

	if (r < 0)
		return r;
	g_string_append_printf(out,
			       "id: %d\nname: %s\nuuid: %s\nos-type: %s\nstate: %s\ncpus: %u\n"
			       "max-cpus: %u\n"
			       "max-memory-kib: %" PRIu64 "\nmemory-kib: %" PRIu64 "\n"
			       "cpu-time-ns: %" PRIu64 "\npersistent: %s\nautostart: %s\n",
			       i->id, i->name, i->uuid, i->os_type ? i->os_type : "",
			       state_name(i->state), i->vcpus,
			       i->max_vcpus, i->max_memory_kib, i->memory_kib, i->cpu_time_ns,
			       hv_bool_word(i->persistent), hv_bool_word(i->autostart));
	if (i->accel)
		g_string_append_printf(out, "accelerator: %s\n", i->accel);
	if (o->node->conn->driver->domain->has_managed_save &&
	    (r = HV_CALL(o->node->conn, domain, has_managed_save, HV_READS, NULL, o->name)) >= 0)
		g_string_append_printf(out, "managed-save: %s\n", hv_bool_word(r > 0));
	return 0;
}

static int
r_stats(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *text = NULL;
	int r = HV_CALL(c, domain, get_stats, HV_READS, err, o->name, &text);

	if (r < 0)
		return r;
	g_string_append(out, text);
	if (out->len && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	return 0;
}

/* One line an address: DEVICE MAC FAMILY IP/PREFIX SOURCE (lease or arp). */
static int
r_addresses(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(GPtrArray) a = NULL;
	int r = HV_CALL(c, domain, get_addresses, HV_READS, err, o->name, &a);

	if (r < 0)
		return r;
	for (guint k = 0; k < a->len; k++) {
		const HvDomainAddress *x = a->pdata[k];

		g_string_append_printf(out, "%s %s %s %s %s\n", x->device, x->mac, x->family, x->ip,
				       x->source);
	}
	return 0;
}

static bool
has_addresses(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->get_addresses;
}

/* Only drivers that take screenshots show the file. */
static bool
has_screenshot(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->screenshot;
}

/* The display as PNG bytes: at open, into that open's snapshot (F_SLOW), so
 * two readers get two whole images. */
static int
r_screenshot(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(GBytes) png = NULL;
	gsize len;
	const char *data;
	int r = HV_CALL(c, domain, screenshot, HV_READS, err, o->name, &png);

	if (r < 0)
		return r;
	data = g_bytes_get_data(png, &len);
	g_string_append_len(out, data, (gssize)len);
	return 0;
}

/* save: managed save (the next start restores it); the rest are verbs of
 * the table above */
static int
w_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	if (strcmp(tok, "save") == 0)
		return HV_CALL(c, domain, managed_save, HV_WRITES, err, o->name, 0);
	return hv_files_verb(c, c->driver->domain, verbs, G_N_ELEMENTS(verbs), "domain", o->name,
			     tok, err);
}

/* save: a path written here gets the domain's memory and definition (virsh
 * save); restore from it with node/restore. Reads as empty. */
static int
r_empty(HvObj *o, GString *out, GError **err)
{
	return 0;
}

static int
w_save(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, domain, save, HV_WRITES, err, o->name, tok, 0);
}

static bool
has_save(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->save;
}

static bool
has_snapshots(HvObj *o)
{
	return o->node->conn->driver->snapshot != NULL;
}

static HvObj *
snapshots_dir(HvObj *o)
{
	if (!o->snapshots)
		o->snapshots = hv_obj_new(o->node->fs, DK_SNAPSHOTS, o->node, o, "snapshots");
	return o->snapshots;
}

static int
set_mem(HvObj *o, const char *tok, unsigned extra, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(HvDomainInfo) i = NULL;
	uint64_t kib;
	int r = hv_parse_kib(tok, &kib, err);

	if (r < 0)
		return r;
	if (kib == 0)
		return hv_error_set(err, EINVAL, "memory of domain '%s' cannot be 0", o->name);
	if ((r = info(o, &i, err)) < 0)
		return r;
	return HV_CALL(c, domain, set_memory, HV_WRITES, err, o->name, kib, affect(i) | extra);
}

static int
w_memory(HvObj *o, const char *tok, GError **err)
{
	return set_mem(o, tok, 0, err);
}

static int
w_max_memory(HvObj *o, const char *tok, GError **err)
{
	return set_mem(o, tok, HV_MAXIMUM, err);
}

static int
set_cpus(HvObj *o, const char *tok, unsigned extra, GError **err)
{
	HvConn *c = o->node->conn;
	g_autoptr(HvDomainInfo) i = NULL;
	unsigned n;
	int r = hv_parse_uint(tok, 1, 4096, &n, err);

	if (r < 0)
		return r;
	if ((r = info(o, &i, err)) < 0)
		return r;
	return HV_CALL(c, domain, set_vcpus, HV_WRITES, err, o->name, n, affect(i) | extra);
}

static int
w_vcpus(HvObj *o, const char *tok, GError **err)
{
	return set_cpus(o, tok, 0, err);
}

static int
w_max_vcpus(HvObj *o, const char *tok, GError **err)
{
	return set_cpus(o, tok, HV_MAXIMUM, err);
}

/* iothreads: one line an IOThread, "ID CPUS" (the CPUs it may run on), of the
 * running domain, else of its definition; writes `add ID`, `del ID`, `pin ID
 * CPUS` (libvirt's iothreadadd, iothreaddel, iothreadpin, to the same one)
 * and `set ID poll-max-ns=N poll-grow=N poll-shrink=N` (iothreadset: any of
 * them, each once; `stats` shows them as iothread.ID.poll-*). */
static bool
has_iothreads(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->set_iothread && ops->get_affinity;
}

static int
r_iothreads(HvObj *o, GString *out, GError **err)
{
	g_autoptr(GArray) maps = NULL;
	unsigned ncpus = 0;
	int r = HV_CALL(o->node->conn, domain, get_affinity, HV_READS, err, o->name,
			HV_AFFINITY_IOTHREAD, 0, &ncpus, &maps);

	for (guint k = 0; r == 0 && k < maps->len; k++) {
		const HvCpuMap *m = &g_array_index(maps, HvCpuMap, k);
		g_autofree char *cpus = hv_cpulist_format(m->map, MIN((ncpus + 7) / 8, sizeof(m->map)));

		g_string_append_printf(out, "%u %s\n", m->id, cpus);
	}
	return r;
}

static int
io_add(HvObj *o, unsigned id, char **rest, GError **err)
{
	return HV_CALL(o->node->conn, domain, set_iothread, HV_WRITES, err, o->name, id, true, 0);
}

static int
io_del(HvObj *o, unsigned id, char **rest, GError **err)
{
	return HV_CALL(o->node->conn, domain, set_iothread, HV_WRITES, err, o->name, id, false, 0);
}

static int
io_pin(HvObj *o, unsigned id, char **rest, GError **err)
{
	uint8_t map[HV_CPUMAP_BYTES];

	if (hv_cpulist_parse(rest[0], map, sizeof(map), sizeof(map) * 8, err) < 0)
		return -EINVAL;
	return HV_CALL(o->node->conn, domain, set_affinity, HV_WRITES, err, o->name,
		       HV_AFFINITY_IOTHREAD, id, map, sizeof(map), 0);
}

/* set's keys, as virsh iothreadset names its options, and libvirt's
 * parameters (VIR_DOMAIN_IOTHREAD_POLL_*). */
static const struct {
	const char *key, *field;
	HvParamType type;
} poll_keys[] = {
	{ "poll-max-ns", "poll_max_ns", HV_PARAM_ULLONG },
	{ "poll-grow", "poll_grow", HV_PARAM_UINT },
	{ "poll-shrink", "poll_shrink", HV_PARAM_UINT },
};

/* One `KEY=N` of set into ps: a known key, once, with a number of its type. */
static int
poll_param(GArray *ps, const char *kv, GError **err)
{
	const char *eq = strchr(kv, '=');
	g_autofree char *key = eq ? g_strndup(kv, (gsize)(eq - kv)) : NULL;
	typeof(&poll_keys[0]) k = key ? HV_TABLE_FIND(poll_keys, key) : NULL;
	uint64_t v = 0;
	unsigned u = 0;

	if (!k)
		return hv_error_set(err, EINVAL, "'%s' is not poll-max-ns=N, poll-grow=N or "
				    "poll-shrink=N", kv);
	if (hv_params_find(ps, k->field))
		return hv_error_set(err, EINVAL, "'%s' is given twice", k->key);
	if (k->type == HV_PARAM_ULLONG ? hv_parse_u64(eq + 1, &v, err) < 0
				       : hv_parse_uint(eq + 1, 0, G_MAXUINT32, &u, err) < 0)
		return -EINVAL;
	hv_params_add(ps, k->field, k->type, k->type == HV_PARAM_ULLONG ? (int64_t)v : u, NULL);
	return 0;
}

static int
io_set(HvObj *o, unsigned id, char **rest, GError **err)
{
	g_autoptr(GArray) ps = hv_params_new();
	int r;

	for (char **kv = rest; *kv; kv++)
		if (poll_param(ps, *kv, err) < 0)
			return -EINVAL;
	r = HV_CALL(o->node->conn, domain, set_iothread_params, HV_WRITES, err, o->name, id, ps,
		    0);
	return r == -ENOMSG ? -EINVAL : r; /* libvirt's failure without a cause: the line says it */
}

static const struct {
	const char *verb;
	guint least, most; /* words, with the verb */
	int (*act)(HvObj *o, unsigned id, char **rest, GError **err);
} io_verbs[] = {
	{ "add", 2, 2, io_add },
	{ "del", 2, 2, io_del },
	{ "pin", 3, 3, io_pin },
	{ "set", 3, 2 + G_N_ELEMENTS(poll_keys), io_set },
};

static int
w_iothreads(HvObj *o, const char *tok, GError **err)
{
	g_auto(GStrv) w = g_strsplit(tok, " ", -1);
	typeof(&io_verbs[0]) v = w[0] ? HV_TABLE_FIND(io_verbs, w[0]) : NULL;
	guint n = g_strv_length(w);
	unsigned id;

	if (!v || n < v->least || n > v->most)
		return hv_error_set(err, EINVAL, "write 'add ID', 'del ID', 'pin ID CPUS' or 'set ID "
				    "poll-max-ns=N poll-grow=N poll-shrink=N', not '%s'", tok);
	if (hv_parse_uint(w[1], 1, 4095, &id, err) < 0)
		return -EINVAL;
	return v->act(o, id, w + 2, err);
}

/* Reads that may reach the hypervisor, or change without an event, are F_SLOW
 * (fs.h): a lookup never calls them. */
static const FileDef domain_files[] = {
	{ "config.xml", F_XML | F_SLOW | F_PRIVATE, hv_coll_read_config, NULL,
	  hv_coll_commit_config },
	{ "live.xml", F_SLOW | F_PRIVATE, r_live },
	{ "state", F_WRITE, r_state, w_state },
	{ "memory", F_WRITE, r_memory, w_memory },
	{ "max-memory", F_WRITE, r_max_memory, w_max_memory },
	{ "vcpus", F_WRITE, r_vcpus, w_vcpus },
	{ "max-vcpus", F_WRITE, r_max_vcpus, w_max_vcpus },
	{ "autostart", F_WRITE, r_autostart, hv_coll_write_autostart },
	{ "id", 0, r_id },
	{ "uuid", 0, r_uuid },
	{ "persistent", 0, r_persistent },
	{ "info", F_VOLATILE | F_SLOW, r_info },
	{ "stats", F_VOLATILE | F_SLOW, r_stats },
	{ "error", F_VOLATILE, hv_files_error },
	{ "console", F_CONSOLE | F_WRITE }, /* fs/console.c */
	{ "screenshot.png", F_VOLATILE | F_SLOW, r_screenshot, .present = has_screenshot },
	{ "addresses", F_VOLATILE | F_SLOW, r_addresses, .present = has_addresses },
	{ "save", F_WRITE, r_empty, w_save, .present = has_save },
	{ "snapshots", F_DIR, .subdir = snapshots_dir, .present = has_snapshots },
	{ "job", F_VOLATILE | F_SLOW | F_WRITE, hv_move_read_job, hv_move_write_job,
	  .present = hv_move_has_job },
	{ "migrate", F_VOLATILE | F_WRITE, hv_move_read_settings, hv_move_write_settings,
	  .present = hv_move_has_migrate },
	{ "iothreads", F_SLOW | F_WRITE, r_iothreads, w_iothreads, .present = has_iothreads },
};

const DirOps hv_domain_ops = {
	HV_FILES(domain_files),
	.scratch = true,
};

/* domains/: its children come from collection.c */
const DirOps hv_domains_ops = {
	.child_kind = DK_DOMAIN,
	.scratch = true,
};
