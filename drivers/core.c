/* core.c: a driver connection's lock and its ordered event queue (core.h).
 * Events queued under the lock are delivered by whoever releases it, after the
 * release and in order, so no driver lock is held while the tree hears of a
 * change and no change is reported before one that happened earlier. */
#include "drivers/core.h"

typedef struct {
	HvObjKind kind;
	char *parent;
	char *name;
	char *event;
	char *detail;
} HvCoreEvent;

static void
event_clear(void *p)
{
	HvCoreEvent *ev = p;

	g_free(ev->parent);
	g_free(ev->name);
	g_free(ev->event);
	g_free(ev->detail);
}

static GArray *
queue_new(void)
{
	GArray *q = g_array_new(FALSE, TRUE, sizeof(HvCoreEvent));

	g_array_set_clear_func(q, event_clear);
	return q;
}

void
hv_core_init(HvCore *core, HvConn *conn)
{
	g_mutex_init(&core->mutex);
	g_mutex_init(&core->emit);
	core->conn = conn;
	core->queue = queue_new();
	core->job_wait_ms = HV_JOB_WAIT_MS;
}

void
hv_core_clear(HvCore *core)
{
	g_clear_pointer(&core->queue, g_array_unref);
	g_mutex_clear(&core->mutex);
	g_mutex_clear(&core->emit);
}

void
hv_core_lock(HvCore *core)
{
	g_mutex_lock(&core->mutex);
}

/* Delivers q (already taken out of the core) with the emit mutex held. */
static void
deliver(HvCore *core, GArray *q)
{
	for (guint i = 0; i < q->len; i++) {
		const HvCoreEvent *ev = &g_array_index(q, HvCoreEvent, i);

		if (core->conn)
			hv_conn_emit(core->conn, ev->kind, ev->parent, ev->name, ev->event,
				     ev->detail);
	}
	g_mutex_unlock(&core->emit);
	g_array_unref(q);
}

void
hv_core_unlock(HvCore *core)
{
	GArray *q;

	if (core->queue->len == 0) {
		g_mutex_unlock(&core->mutex);
		return;
	}
	q = core->queue;
	core->queue = queue_new();
	g_mutex_lock(&core->emit);
	g_mutex_unlock(&core->mutex);
	deliver(core, q);
}

void
hv_core_flush(HvCore *core)
{
	if (core->queue->len == 0)
		return;
	hv_core_unlock(core);
	hv_core_lock(core);
}

void
hv_core_emit(HvCore *core, HvObjKind kind, const char *parent, const char *name,
	     const char *event, const char *detail)
{
	HvCoreEvent ev = {
		.kind = kind,
		.parent = g_strdup(parent),
		.name = g_strdup(name),
		.event = g_strdup(event),
		.detail = g_strdup(detail ? detail : "-"),
	};

	g_array_append_val(core->queue, ev);
}

void
hv_core_emit_u64(HvCore *core, HvObjKind kind, const char *parent, const char *name,
		 const char *event, uint64_t value)
{
	char detail[24];

	g_snprintf(detail, sizeof(detail), "%" G_GUINT64_FORMAT, value);
	hv_core_emit(core, kind, parent, name, event, detail);
}
