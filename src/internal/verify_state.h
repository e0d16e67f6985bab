/*
 * verify_state.h - the library's global and thread-local state, put back
 * on demand (libconc-verify only).
 *
 * src/ keeps a little state outside the structures a caller owns:
 *   src/hp.c       the hazard-pointer records (g_records), the orphan list
 *                  and its count, the allocation-failure test switches, the
 *                  thread-exit key, and each thread's record (tls_rec and
 *                  its thread-specific value);
 *   src/counter.c  the sharded counters' ticket numbering (next_ticket) and
 *                  each thread's ticket (my_ticket);
 *   src/wait.c     the page that caches this process's pid (pid_page);
 *   src/verify_hooks.c  the yield injector's thread numbering and each
 *                  thread's random stream.
 * conc_verify_reset() and conc_verify_thread_exit() (verify.h) put it back
 * through the functions below; each file resets what it owns.  These exist
 * only under CONC_VERIFY (never in libconc) and are called by nothing but
 * src/verify_hooks.c and the tests.
 */
#ifndef CONC_INTERNAL_VERIFY_STATE_H
#define CONC_INTERNAL_VERIFY_STATE_H

#ifdef CONC_VERIFY
#include <stddef.h>
#include <stdint.h>

/* Every record and orphan freed (the objects still retired on them handed
 * to their free_fn first: no thread can hold a hazard now), the counts and
 * test switches cleared, the calling thread's record forgotten, the
 * thread-exit key made anew (so a thread that still holds a value for the
 * old key never runs the destructor on a freed record). */
void conc__hp_verify_reset(void);
/* The calling thread's record released now, as the key's destructor does
 * at thread exit, and forgotten (tls_rec and the key's value cleared). */
void conc__hp_verify_thread_exit(void);
/* Records on the list; *active (if not NULL): how many of them are in use. */
size_t conc__hp_verify_records(size_t *active);

/* next_ticket back to 0, and the calling thread's ticket forgotten. */
void conc__counter_verify_reset(void);
/* The calling thread's ticket forgotten (its next add takes a new one). */
void conc__counter_verify_thread_exit(void);
/* next_ticket; *mine (if not NULL): the calling thread's ticket + 1, 0 if
 * it has none. */
uint64_t conc__counter_verify_tickets(uint64_t *mine);
/* next_ticket set to `next` (a test reaches tickets >= 2^32 without 2^32
 * threads). */
void conc__counter_verify_set_next_ticket(uint64_t next);
/* Slot i of the counter (i < its shards): its sum, and in *owner (if not
 * NULL) its owner word (0 for a shared or unclaimed slot, else the owning
 * thread's token); *nshared (if not NULL): how many slots are shared (the
 * ownable ones are [nshared, shards)).  CONC_EINVAL for i out of range. */
struct conc_sharded;
int conc__counter_verify_slot(const struct conc_sharded *s, size_t i,
                              int64_t *sum, uint64_t *owner, size_t *nshared);

/* The pid cache page unmapped and forgotten (made again on first use). */
void conc__ws_verify_reset(void);
/* The verify builds never read CONC_WAIT_SPIN: this sets the spin's
 * maximum tries instead (clamped to the variable's maximum; negative: the
 * build's default, CONC_WAIT_SPIN_TRIES), for the calls that follow.  It
 * outlives conc_verify_reset. */
void conc__ws_verify_set_spin(int64_t tries);
#endif /* CONC_VERIFY */

#endif /* CONC_INTERNAL_VERIFY_STATE_H */
