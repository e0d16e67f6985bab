/* ring-batch-driver.c - the 1P1C batch measurement of docs/ring.md (issue 11): one producer,
 * one consumer, push_many/pop_many of 32 against push/pop, runs interleaved, medians.
 * Not built by meson: gcc -O2 -pthread -Iinclude docs/issue-11/ring-batch-driver.c
 *   -Lbuild/release -lconc -Wl,-rpath,$PWD/build/release -o /tmp/ring-batch
 * Run: /tmp/ring-batch ITEMS RUNS PIN(0|1).  Speed is reported, never asserted. */
#define _GNU_SOURCE
#include <conc/ring.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sched.h>
static conc_ring *R; static long N; static int K; static int PIN;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void pin(int c){ if(!PIN) return; cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static void *prod(void *a){(void)a;pin(0);void *buf[256];long i=0;unsigned f=0;
  while(i<N){ if(K==1){ if(conc_ring_push(R,(void*)(i+1))==CONC_OK) i++; else if((++f&63)==0) sched_yield(); }
   else { int k=K; if(N-i<k)k=N-i; for(int j=0;j<k;j++)buf[j]=(void*)(i+j+1); size_t got=0; conc_ring_push_many(R,buf,k,&got); i+=got; if(!got && (++f&63)==0) sched_yield(); } }
  return 0;}
static void *cons(void *a){(void)a;pin(1);void *buf[256];long i=0,exp=1;unsigned f=0;
  while(i<N){ if(K==1){ void*x; if(conc_ring_pop(R,&x)==CONC_OK){ if((long)x!=exp){fprintf(stderr,"order\n");exit(1);} exp++; i++;} else if((++f&63)==0) sched_yield(); }
   else { size_t got=0; conc_ring_pop_many(R,buf,K,&got); for(size_t j=0;j<got;j++){ if((long)buf[j]!=exp){fprintf(stderr,"order %ld %ld\n",(long)buf[j],exp);exit(1);} exp++;} i+=got; if(!got && (++f&63)==0) sched_yield(); } }
  return 0;}
int main(int argc,char**argv){ N=atol(argv[1]); int runs=atoi(argv[2]); PIN=argc>3?atoi(argv[3]):0; int ks[]={1,32}; 
  double res[2][32];
  for(int r=0;r<runs;r++) for(int q=0;q<2;q++){ K=ks[q]; R=conc_ring_new(1024,0); pthread_t a,b; double t0=now();
    pthread_create(&a,0,prod,0);pthread_create(&b,0,cons,0);pthread_join(a,0);pthread_join(b,0); res[q][r]=N/(now()-t0)/1e6; conc_ring_free(R);}
  for(int q=0;q<2;q++){ double *v=res[q]; for(int i=0;i<runs;i++)for(int j=i+1;j<runs;j++)if(v[j]<v[i]){double t=v[i];v[i]=v[j];v[j]=t;}
    printf("batch %d: median %.1f Mitems/s (min %.1f max %.1f)\n",ks[q],v[runs/2],v[0],v[runs-1]); }
  printf("ratio batch32/single (medians): %.2f\n",res[1][runs/2]/res[0][runs/2]);
  return 0;}
