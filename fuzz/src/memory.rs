//! The memory limit of a fuzzed input: the global allocator counts the bytes the code holds
//! and aborts the process when they would pass [`LIMIT`], which libFuzzer reports as a
//! crash with the input that caused it. libFuzzer's own `-malloc_limit_mb` needs a
//! sanitizer's allocator hooks, and its `-rss_limit_mb` notices only memory that is
//! touched, once a second.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

/// 512 MiB, the limit issue 19 sets for one input.
pub const LIMIT: usize = 512 << 20;

/// Bytes allocated and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
struct Counting;

#[global_allocator]
static COUNTING: Counting = Counting;

/// Counts `size` more bytes, aborting when that passes [`LIMIT`].
fn take(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed).saturating_add(size);
    if live > LIMIT {
        // Writing to stderr and formatting integers do not allocate.
        let _ = writeln!(
            std::io::stderr(),
            "==baton-fuzz== out of memory: an allocation of {size} bytes would hold {live} \
             bytes, past the limit of {LIMIT} (512 MiB)"
        );
        std::process::abort();
    }
}

fn give(size: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting around the calls touches no memory the allocator hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        take(layout.size());
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        take(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        give(layout.size());
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            take(new_size - layout.size());
        } else {
            give(layout.size() - new_size);
        }
        // SAFETY: as for `dealloc`; `new_size` is the caller's, as `realloc` requires.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
