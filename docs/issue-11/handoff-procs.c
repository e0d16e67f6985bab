/* Handoff latency, steady pace 30 us: conc_ring between threads (flags 0 or
 * CONC_SHARED), conc_shmring between processes, a pipe between processes,
 * conc_shmring between two threads, a bare shared futex between processes
 * (and the same touching 10 shared pages after each wake).  Rows
 * interleaved, R rounds; p50 per row over all rounds.  Where the processes'
 * extra time goes (docs/issue-11/counter-and-handoff.md).  Build:
 *   gcc -O2 -Iinclude docs/issue-11/handoff-procs.c build/release/libconc.a \
 *       -pthread -o /tmp/handoff-procs && /tmp/handoff-procs 5
 * Not a test and not built by meson. */
#define _GNU_SOURCE
#include <conc/ring.h>
#include <conc/shm.h>
#include <conc/wait.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static uint64_t now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return (uint64_t)t.tv_sec*1000000000u+t.tv_nsec;}
static void nap(long ns){struct timespec t={0,ns};clock_nanosleep(CLOCK_MONOTONIC,0,&t,NULL);}
static int cmp(const void*a,const void*b){uint64_t x=*(uint64_t*)a,y=*(uint64_t*)b;return x<y?-1:x>y;}
#define N 4000
#define W 200
typedef struct { conc_ring *q; uint64_t *res; } targ;
static void *cons(void *a){ targ *t=a; for(int i=0;i<N+W;i++){void*x; conc_ring_pop_wait(t->q,&x,10000000000ull); uint64_t d=now()-(uint64_t)(uintptr_t)x; if(i>=W) t->res[i-W]=d;} return NULL;}
static void run_thr(unsigned flags, uint64_t *res){
  conc_ring *q=conc_ring_new(1024,flags); targ t={q,res}; pthread_t th; pthread_create(&th,0,cons,&t);
  for(int i=0;i<N+W;i++){nap(30000); conc_ring_push_wait(q,(void*)(uintptr_t)now(),10000000000ull);}
  pthread_join(th,0); conc_ring_free(q);
}
typedef struct { conc_shmring *r; uint64_t *res; } sarg;
static void *scons(void *a){ sarg *t=a; for(int i=0;i<N+W;i++){uint64_t m[2]; conc_shmring_pop_wait(t->r,m,10000000000ull); uint64_t d=now()-m[0]; if(i>=W) t->res[i-W]=d;} return NULL;}
static void run_sthr(uint64_t *res){
  conc_status st; conc_shmring *r=conc_shmring_create(NULL,1024,16,0,&st); sarg t={r,res}; pthread_t th; pthread_create(&th,0,scons,&t);
  for(int i=0;i<N+W;i++){nap(30000); uint64_t m[2]={now(),0}; conc_shmring_push_wait(r,m,10000000000ull);}
  pthread_join(th,0); conc_shmring_detach(r);
}
#include <linux/futex.h>
#include <sys/syscall.h>
#include <stdatomic.h>
typedef struct { _Atomic uint32_t seq, waiters; _Atomic uint64_t stamp; } fx_t;
static void run_fx(int touch, uint64_t *res){
  fx_t *f=mmap(0,4096,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0);
  char *big=mmap(0,4096*64,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0); memset(big,0,4096*64);
  uint64_t *sh=mmap(0,N*8,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0);
  pid_t pid=fork();
  if(pid==0){ for(int i=0;i<N+W;i++){ for(;;){uint32_t k=atomic_load(&f->seq); if(k!=(uint32_t)i) break; atomic_fetch_add(&f->waiters,1); if(atomic_load(&f->seq)==(uint32_t)i) syscall(SYS_futex,&f->seq,FUTEX_WAIT_BITSET,k,NULL,NULL,FUTEX_BITSET_MATCH_ANY); atomic_fetch_sub(&f->waiters,1);} for(int g=0;g<touch;g++) atomic_fetch_add((_Atomic uint32_t*)(big+g*4096*5),1); uint64_t d=now()-atomic_load(&f->stamp); if(i>=W) sh[i-W]=d;} _exit(0);}
  for(int i=0;i<N+W;i++){nap(30000); atomic_store(&f->stamp,now()); atomic_fetch_add(&f->seq,1); if(atomic_load(&f->waiters)) syscall(SYS_futex,&f->seq,FUTEX_WAKE,1,NULL,NULL,0);}
  waitpid(pid,0,0); memcpy(res,sh,N*8); munmap(sh,N*8); munmap(f,4096);
}
static void run_proc(int pipe_mode, uint64_t *res){
  conc_status st; conc_shmring *r=NULL; int p[2]={-1,-1};
  if(pipe_mode) pipe(p); else r=conc_shmring_create(NULL,1024,16,0,&st);
  uint64_t *sh=mmap(0,N*8,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0);
  pid_t pid=fork();
  if(pid==0){ for(int i=0;i<N+W;i++){uint64_t m[2]; if(pipe_mode) read(p[0],m,16); else conc_shmring_pop_wait(r,m,10000000000ull); uint64_t d=now()-m[0]; if(i>=W) sh[i-W]=d;} _exit(0);}
  for(int i=0;i<N+W;i++){nap(30000); uint64_t m[2]={now(),0}; if(pipe_mode) write(p[1],m,16); else conc_shmring_push_wait(r,m,10000000000ull);}
  waitpid(pid,0,0); memcpy(res,sh,N*8); munmap(sh,N*8);
  if(pipe_mode){close(p[0]);close(p[1]);} else conc_shmring_detach(r);
}
int main(int argc,char**argv){
  int R=argc>1?atoi(argv[1]):5;
  prctl(PR_SET_TIMERSLACK,1UL,0,0,0);
  const char *names[]={"ring threads flags 0","ring threads CONC_SHARED","shmring processes","pipe processes","shmring threads","raw shared futex processes","raw futex + touch 10 pages"};
  uint64_t *all[7]; for(int k=0;k<7;k++) all[k]=malloc((size_t)R*N*8);
  for(int r=0;r<R;r++){ run_thr(0,all[0]+r*N); run_thr(CONC_SHARED,all[1]+r*N); run_proc(0,all[2]+r*N); run_proc(1,all[3]+r*N); run_sthr(all[4]+r*N); run_fx(0,all[5]+r*N); run_fx(10,all[6]+r*N);}
  for(int k=0;k<7;k++){ qsort(all[k],(size_t)R*N,8,cmp); printf("%-26s p50 %6.2f us  p90 %7.2f  p99 %8.2f\n",names[k],all[k][R*N/2]/1e3,all[k][R*N*9/10]/1e3,all[k][R*N*99/100]/1e3);}
  return 0;
}
