// test_cxx.cpp - every public header compiles as C++ (extern "C", no
// _Atomic) and links against the library.  Prints TAP.
#include <conc/conc.h>
#include <conc/counter.h>
#include <conc/mutexq.h>
#include <conc/ring.h>
#include <conc/stack.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

int main()
{
    int good = 1;
    good &= std::strcmp(conc_version(), CONC_VERSION_STRING) == 0;
    good &= conc_strerror(CONC_FULL) != nullptr;

    conc_ring *r = conc_ring_new(2, 0);
    void *it = nullptr;
    good &= r != nullptr && conc_ring_push(r, &good) == CONC_OK &&
            conc_ring_pop(r, &it) == CONC_OK && it == &good &&
            conc_ring_pop(r, &it) == CONC_EMPTY;
    conc_ring_free(r);

    conc_stack *s = conc_stack_new(1, 0);
    good &= s != nullptr && conc_stack_push(s, nullptr) == CONC_OK &&
            conc_stack_push(s, nullptr) == CONC_FULL;
    conc_stack_free(s);

    conc_mutexq *q = conc_mutexq_new(1, 0);
    good &= q != nullptr && conc_mutexq_capacity(q) == 1;
    conc_mutexq_free(q);

    conc_counter *c = conc_counter_new();
    std::int64_t prev = -1, v = 0;
    good &= c != nullptr && conc_counter_add(c, 5, &prev) == CONC_OK &&
            prev == 0 && conc_counter_read(c, &v) == CONC_OK && v == 5;
    conc_counter_free(c);

    std::printf("1..1\n%sok 1 - public headers compile and link as C++\n",
                good ? "" : "not ");
    return good ? 0 : 1;
}
