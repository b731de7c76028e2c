/* tsan_glib.c: in a ThreadSanitizer build only (`make check-tsan`), glib's
 * GMutex, GRecMutex, GRWLock and GCond over pthreads. glib implements them on
 * futexes, which ThreadSanitizer does not see, so every lock of ours would
 * look like none. Defined in the program, these take the place of glib's for
 * our calls (glib's own calls to its own locks stay glib's). Each lock is made
 * at first use, so a zeroed one (static, g_new0) works as glib's do. */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static void *
made(gpointer *slot, void *(*make)(void), void (*destroy)(void *))
{
	void *p = g_atomic_pointer_get(slot), *fresh;

	if (p)
		return p;
	fresh = make();
	if (!g_atomic_pointer_compare_and_exchange(slot, NULL, fresh)) {
		destroy(fresh);
		return g_atomic_pointer_get(slot);
	}
	return fresh;
}

static void *
mutex_make(void)
{
	pthread_mutex_t *m = malloc(sizeof(*m));

	pthread_mutex_init(m, NULL);
	return m;
}

static void *
rec_make(void)
{
	pthread_mutex_t *m = malloc(sizeof(*m));
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return m;
}

static void
mutex_destroy(void *p)
{
	pthread_mutex_destroy(p);
	free(p);
}

static void *
rw_make(void)
{
	pthread_rwlock_t *l = malloc(sizeof(*l));

	pthread_rwlock_init(l, NULL);
	return l;
}

static void
rw_destroy(void *p)
{
	pthread_rwlock_destroy(p);
	free(p);
}

static void *
cond_make(void)
{
	pthread_cond_t *c = malloc(sizeof(*c));
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC); /* g_get_monotonic_time's clock */
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return c;
}

static void
cond_destroy(void *p)
{
	pthread_cond_destroy(p);
	free(p);
}

#define MUTEX(m) ((pthread_mutex_t *)made(&(m)->p, mutex_make, mutex_destroy))
#define REC(m) ((pthread_mutex_t *)made(&(m)->p, rec_make, mutex_destroy))
#define RW(l) ((pthread_rwlock_t *)made(&(l)->p, rw_make, rw_destroy))
#define COND(c) ((pthread_cond_t *)made(&(c)->p, cond_make, cond_destroy))

void g_mutex_init(GMutex *m) { m->p = mutex_make(); }
void g_mutex_clear(GMutex *m) { if (m->p) mutex_destroy(g_steal_pointer(&m->p)); }
void g_mutex_lock(GMutex *m) { pthread_mutex_lock(MUTEX(m)); }
void g_mutex_unlock(GMutex *m) { pthread_mutex_unlock(MUTEX(m)); }
gboolean g_mutex_trylock(GMutex *m) { return pthread_mutex_trylock(MUTEX(m)) == 0; }

void g_rec_mutex_init(GRecMutex *m) { m->p = rec_make(); }
void g_rec_mutex_clear(GRecMutex *m) { if (m->p) mutex_destroy(g_steal_pointer(&m->p)); }
void g_rec_mutex_lock(GRecMutex *m) { pthread_mutex_lock(REC(m)); }
void g_rec_mutex_unlock(GRecMutex *m) { pthread_mutex_unlock(REC(m)); }
gboolean g_rec_mutex_trylock(GRecMutex *m) { return pthread_mutex_trylock(REC(m)) == 0; }

void g_rw_lock_init(GRWLock *l) { l->p = rw_make(); }
void g_rw_lock_clear(GRWLock *l) { if (l->p) rw_destroy(g_steal_pointer(&l->p)); }
void g_rw_lock_writer_lock(GRWLock *l) { pthread_rwlock_wrlock(RW(l)); }
void g_rw_lock_writer_unlock(GRWLock *l) { pthread_rwlock_unlock(RW(l)); }
gboolean g_rw_lock_writer_trylock(GRWLock *l) { return pthread_rwlock_trywrlock(RW(l)) == 0; }
void g_rw_lock_reader_lock(GRWLock *l) { pthread_rwlock_rdlock(RW(l)); }
void g_rw_lock_reader_unlock(GRWLock *l) { pthread_rwlock_unlock(RW(l)); }
gboolean g_rw_lock_reader_trylock(GRWLock *l) { return pthread_rwlock_tryrdlock(RW(l)) == 0; }

void g_cond_init(GCond *c) { c->p = cond_make(); }
void g_cond_clear(GCond *c) { if (c->p) cond_destroy(g_steal_pointer(&c->p)); }
void g_cond_wait(GCond *c, GMutex *m) { pthread_cond_wait(COND(c), MUTEX(m)); }
void g_cond_signal(GCond *c) { pthread_cond_signal(COND(c)); }
void g_cond_broadcast(GCond *c) { pthread_cond_broadcast(COND(c)); }

gboolean
g_cond_wait_until(GCond *c, GMutex *m, gint64 end_time)
{
	struct timespec ts = { .tv_sec = end_time / G_USEC_PER_SEC,
			       .tv_nsec = (end_time % G_USEC_PER_SEC) * 1000 };
	int r = pthread_cond_timedwait(COND(c), MUTEX(m), &ts);

	return r != ETIMEDOUT;
}
