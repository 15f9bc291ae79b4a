//! The `broadsheet` binary: parses the command line and hands over to the library.

/// mimalloc rather than glibc's malloc: a server that renders documents of every size on
/// many threads leaves glibc's per-thread arenas fragmented, and its resident memory
/// climbs in steps for a long time after the load is steady (measured with
/// `benches/soak.py`); mimalloc returns freed memory and is faster at the small
/// allocations text work makes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    broadsheet::cli::main()
}
