#include <argon2.h>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Lowers the calling thread's scheduling priority (Linux schedules threads on their own nice
/// value), so password hashing uses idle cores but yields them to request handling.
static inline int platform_lower_thread_priority(int nice_value) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_value);
}
#else
static inline int platform_lower_thread_priority(int nice_value) { (void)nice_value; return 0; }
#endif
