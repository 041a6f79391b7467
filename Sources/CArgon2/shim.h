#include <argon2.h>

#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif

/// Moves the calling thread to SCHED_IDLE (Linux schedules each thread on its own): it runs only
/// on a core nothing else wants, so password hashing uses idle cores but never delays a request.
/// Falls back to the lowest nice value where the policy is refused.
static inline int platform_yield_thread_to_others(void) {
    struct sched_param param = { 0 };
    pid_t thread = (pid_t)syscall(SYS_gettid);
    if (sched_setscheduler(thread, SCHED_IDLE, &param) == 0) { return 0; }
    return setpriority(PRIO_PROCESS, (id_t)thread, 19);
}
#else
static inline int platform_yield_thread_to_others(void) { return 0; }
#endif
