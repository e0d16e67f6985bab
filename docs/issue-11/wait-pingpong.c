/* Waiting throughput: one producer push_wait, one consumer pop_wait, conc_ring
 * of capacity C, N items; Mitems/s.  Also a ping-pong (two rings, capacity 1):
 * round trips/s, each side waiting for the other.  Build:
 *   gcc -O2 -Iinclude docs/issue-11/wait-pingpong.c build/release/libconc.a \
 *       -pthread -o /tmp/wait-pingpong && CONC_WAIT_SPIN=200 /tmp/wait-pingpong 500000 64
 * Not a test and not built by meson. */
#define _GNU_SOURCE
#include <conc/ring.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static uint64_t now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return (uint64_t)t.tv_sec*1000000000u+t.tv_nsec;}
#define F 10000000000ull
static conc_ring *a,*b; static long n;
static void *cons(void*x){(void)x; void *v; for(long i=0;i<n;i++) conc_ring_pop_wait(a,&v,F); return NULL;}
static void *echo(void*x){(void)x; void *v; for(long i=0;i<n;i++){conc_ring_pop_wait(a,&v,F); conc_ring_push_wait(b,v,F);} return NULL;}
int main(int argc,char**argv){
  n=argc>1?atol(argv[1]):2000000; size_t cap=argc>2?strtoul(argv[2],0,10):64;
  for(int r=0;r<3;r++){
    a=conc_ring_new(cap,0); pthread_t t; uint64_t t0=now(); pthread_create(&t,0,cons,0);
    for(long i=0;i<n;i++) conc_ring_push_wait(a,(void*)(uintptr_t)(i+1),F);
    pthread_join(t,0); uint64_t t1=now(); conc_ring_free(a);
    a=conc_ring_new(1,0); b=conc_ring_new(1,0); long m=n/10; long save=n; n=m; uint64_t t2=now(); pthread_create(&t,0,echo,0);
    void *v; for(long i=0;i<m;i++){conc_ring_push_wait(a,(void*)1,F); conc_ring_pop_wait(b,&v,F);}
    pthread_join(t,0); uint64_t t3=now(); n=save; conc_ring_free(a); conc_ring_free(b);
    printf("stream cap %zu: %.2f Mitems/s   ping-pong: %.3f M round trips/s (%.2f us each)\n",cap,n/((t1-t0)/1e3),m/((t3-t2)/1e3),(t3-t2)/1e3/m);
  }
}
