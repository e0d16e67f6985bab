/*
 * peers_cxx.cpp - the C++ peers behind bench_peer_ops (bench.h):
 * moodycamel::ConcurrentQueue (Debian's libconcurrentqueue-dev), without
 * and with producer/consumer tokens, and boost::lockfree::queue and
 * boost::lockfree::stack (libboost-dev), both bounded.
 *
 * Built only when meson finds a C++ compiler and the headers
 * (bench/meson.build); conc-bench then defines CONC_BENCH_CXX and lists
 * these rows.  Like the C adapters, each operation is inlined into the
 * adapter, so a row pays one indirect call per operation and nothing more.
 * No exception leaves this file: a failed allocation is a NULL with errno.
 */
#include <cerrno>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/stack.hpp>
#include <concurrentqueue/concurrentqueue.h>

extern "C" {
#include "bench.h"
}

namespace {

/* ---- moodycamel::ConcurrentQueue --------------------------------------- */

/* Blocks for this many items are made before the clock starts (the
 * constructor's capacity), as the intrusive peers preallocate their nodes;
 * past it the queue allocates more blocks as it goes. */
constexpr std::size_t mc_prealloc_max = std::size_t(1) << 20;

typedef moodycamel::ConcurrentQueue<void *> mc_queue;

struct mc_handle {
    mc_queue *q;
    std::unique_ptr<moodycamel::ProducerToken> ptok;
    std::unique_ptr<moodycamel::ConsumerToken> ctok;
};

struct mc_wrap {
    mc_queue q; /* declared first: destroyed after the tokens below */
    std::mutex lock;
    std::vector<std::unique_ptr<mc_handle>> handles;

    explicit mc_wrap(std::size_t n) : q(n) {}
};

void *mc_create(std::size_t capacity, std::size_t items)
{
    (void)capacity;
    try {
        return new mc_wrap(items < mc_prealloc_max ? items : mc_prealloc_max);
    } catch (...) {
        errno = ENOMEM;
        return nullptr;
    }
}

void mc_destroy(void *obj)
{
    delete static_cast<mc_wrap *>(obj);
}

/* Without tokens: the queue finds the calling thread's implicit producer
 * by a hash of its thread id. */
int mc_push(void *obj, std::size_t, void *item)
{
    return static_cast<mc_wrap *>(obj)->q.enqueue(item) ? 0 : 1;
}

int mc_pop(void *obj, void **item)
{
    return static_cast<mc_wrap *>(obj)->q.try_dequeue(*item) ? 0 : 1;
}

/* With tokens: each thread gets its own producer or consumer token once,
 * outside the clock. */
void *mc_tok_handle(void *obj, bool producer)
{
    mc_wrap *w = static_cast<mc_wrap *>(obj);
    try {
        std::unique_ptr<mc_handle> h(new mc_handle());
        h->q = &w->q;
        if (producer)
            h->ptok.reset(new moodycamel::ProducerToken(w->q));
        else
            h->ctok.reset(new moodycamel::ConsumerToken(w->q));
        std::lock_guard<std::mutex> g(w->lock);
        w->handles.push_back(std::move(h));
        return w->handles.back().get();
    } catch (...) {
        errno = ENOMEM;
        return nullptr;
    }
}

int mc_tok_push(void *handle, std::size_t, void *item)
{
    mc_handle *h = static_cast<mc_handle *>(handle);
    return h->q->enqueue(*h->ptok, item) ? 0 : 1;
}

int mc_tok_pop(void *handle, void **item)
{
    mc_handle *h = static_cast<mc_handle *>(handle);
    return h->q->try_dequeue(*h->ctok, *item) ? 0 : 1;
}

/* ---- boost::lockfree::queue and stack, bounded -------------------------- */

/* fixed_sized: the nodes come from an array made by the constructor (n
 * items), indexed by 16-bit tagged indices, so pushes fail when it is
 * used up and nothing is allocated in the timed loop.  At most 65534
 * nodes. */
typedef boost::lockfree::queue<void *, boost::lockfree::fixed_sized<true>>
    bq_queue;
typedef boost::lockfree::stack<void *, boost::lockfree::fixed_sized<true>>
    bq_stack;
constexpr std::size_t boost_max_nodes = 65534;

void *bq_create(std::size_t capacity, std::size_t)
{
    if (capacity == 0 || capacity > boost_max_nodes) {
        errno = EINVAL;
        return nullptr;
    }
    try {
        return new bq_queue(capacity);
    } catch (...) {
        errno = ENOMEM;
        return nullptr;
    }
}

void bq_destroy(void *obj)
{
    delete static_cast<bq_queue *>(obj);
}

int bq_push(void *obj, std::size_t, void *item)
{
    return static_cast<bq_queue *>(obj)->bounded_push(item) ? 0 : 1;
}

int bq_pop(void *obj, void **item)
{
    return static_cast<bq_queue *>(obj)->pop(*item) ? 0 : 1;
}

void *bs_create(std::size_t capacity, std::size_t)
{
    if (capacity == 0 || capacity > boost_max_nodes) {
        errno = EINVAL;
        return nullptr;
    }
    try {
        return new bq_stack(capacity);
    } catch (...) {
        errno = ENOMEM;
        return nullptr;
    }
}

void bs_destroy(void *obj)
{
    delete static_cast<bq_stack *>(obj);
}

int bs_push(void *obj, std::size_t, void *item)
{
    return static_cast<bq_stack *>(obj)->bounded_push(item) ? 0 : 1;
}

int bs_pop(void *obj, void **item)
{
    return static_cast<bq_stack *>(obj)->pop(*item) ? 0 : 1;
}

bench_peer_ops make_peer(const char *name, bench_section sec, bool bounded,
                         const char *legend, void *(*create)(size_t, size_t),
                         void (*destroy)(void *),
                         int (*push)(void *, size_t, void *),
                         int (*pop)(void *, void **),
                         void *(*handle)(void *, bool))
{
    bench_peer_ops p;
    p.name = name;
    p.section = sec;
    p.bounded = bounded;
    p.legend = legend;
    p.create = create;
    p.destroy = destroy;
    p.push = push;
    p.pop = pop;
    p.thread_handle = handle;
    return p;
}

} // namespace

extern "C" {

const bench_peer_ops bench_peer_moodycamel = make_peer(
    "moodycamel", SEC_QUEUE, false,
    "moodycamel: moodycamel::ConcurrentQueue 1.0.3 enqueue/try_dequeue "
    "without tokens (implicit producers); unbounded, blocks for up to 2^20 "
    "items made before the clock",
    mc_create, mc_destroy, mc_push, mc_pop, nullptr);

const bench_peer_ops bench_peer_moodycamel_tok = make_peer(
    "moodycamel_tok", SEC_QUEUE, false,
    "moodycamel_tok: the same with a ProducerToken / ConsumerToken per "
    "thread (made before the clock)",
    mc_create, mc_destroy, mc_tok_push, mc_tok_pop, mc_tok_handle);

const bench_peer_ops bench_peer_boost_queue = make_peer(
    "boost_queue", SEC_QUEUE, true,
    "boost_queue: boost::lockfree::queue<void *, fixed_sized<true>>(capacity) "
    "bounded_push/pop (Michael & Scott over an index-tagged node array)",
    bq_create, bq_destroy, bq_push, bq_pop, nullptr);

const bench_peer_ops bench_peer_boost_stack = make_peer(
    "boost_stack", SEC_STACK, true,
    "boost_stack: boost::lockfree::stack<void *, fixed_sized<true>>(capacity) "
    "bounded_push/pop (Treiber over an index-tagged node array)",
    bs_create, bs_destroy, bs_push, bs_pop, nullptr);

} // extern "C"
