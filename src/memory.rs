//! The allocator's settings, made first thing in `main`.

/// One malloc arena for the whole process. glibc gives threads that allocate at the same time
/// arenas of their own, and room freed in one arena serves only that arena: a big poll parsed
/// on one worker and let go on another leaves its room where the next poll cannot use it, and
/// the process grows by a board's worth each time (README, "How cost grows"). `MALLOC_ARENA_MAX`,
/// when set, decides instead.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a parameter of the allocator, under its own lock.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}
