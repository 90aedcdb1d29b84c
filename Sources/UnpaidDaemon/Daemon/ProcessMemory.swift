#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator keeps memory a run freed (a parsed export, the ledger's caches) in
/// its arenas, one per thread that ever allocated, for the next allocation: a daemon that
/// runs every few seconds for years then carries the high-water mark of every thread. So
/// the daemon caps the arenas and hands free pages back to the system after each run.
///
/// `mallopt` and `malloc_trim` are in `<malloc.h>`, which Swift's Glibc module does not
/// export: they are looked up by name, and skipped on a C library without them.
enum ProcessMemory {
    /// At start, before the threads exist: two arenas are plenty for a handful of
    /// organizations at a time, and fewer arenas hold fewer free pages.
    static func limitArenas() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let maximumArenas: Int32 = -8  // M_ARENA_MAX
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(maximumArenas, 2)
        #endif
    }

    /// After a run: free pages of every arena go back to the system (a few milliseconds).
    static func returnFreePages() {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}
