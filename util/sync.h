/* sync.h: thread plumbing the programs share, header only: reference
 * counting by one macro (HV_REF_FNS makes PFX_ref and PFX_unref over a
 * gatomicrefcount `refs` member; the last unref calls the type's free), and
 * a 64-bit value read under the mutex that guards its writers. */
#pragma once
#include <glib.h>
#include <stdint.h>

/* Type *PFX_ref(Type *x): x, one more reference. void PFX_unref(Type *x):
 * one reference less (NULL is fine); the last calls destroy(x). */
#define HV_REF_FNS(Type, pfx, destroy)                           \
	Type *pfx##_ref(Type *x)                                 \
	{                                                        \
		g_atomic_ref_count_inc(&x->refs);                \
		return x;                                        \
	}                                                        \
	void pfx##_unref(Type *x)                                \
	{                                                        \
		if (x && g_atomic_ref_count_dec(&x->refs))       \
			destroy(x);                              \
	}

/* *v, read under lock (a counter its writers bump under it). */
static inline uint64_t
hv_locked_u64(GMutex *lock, const uint64_t *v)
{
	uint64_t n;

	g_mutex_lock(lock);
	n = *v;
	g_mutex_unlock(lock);
	return n;
}
