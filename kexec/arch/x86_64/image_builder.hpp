// kexec_load for a 64-bit bzImage: where each piece goes, the zero page,
// the purgatory and its digests, as a SegmentLoadCall (data).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/memory_map.hpp"
#include "load_plan.hpp"
#include "result.hpp"

namespace kx::x86 {

struct ImageOptions {
    bool crash = false;
    bool skip_checks = false;          // -i
    uint16_t serial_port = 0;          // --console-serial / --serial
    uint32_t serial_baud = 0;
    bool efi = true;                   // !--noefi
    bool reuse_video_type = false;
    std::string rng_seed;              // 32 bytes from getrandom(); empty in tests that need stable bytes
    // Extra segments (crash: ELF core headers, backup) placed by the caller.
    std::vector<Segment> extra_segments;
    // Crash: the purgatory copies src..src+size to dst before starting the kernel.
    uint64_t backup_src = 0, backup_dst = 0, backup_size = 0;
};

// Place and build everything. `free` is where segments may go (all RAM but
// low memory and the crash region; or only the crash region for -p).
Result<SegmentLoadCall> build_kexec_image(const BootInputs& boot, const std::vector<MemoryRange>& e820,
                                          const PlatformInfo& platform, FreeMemory free,
                                          const ImageOptions& options, std::vector<std::string>& notes);

}  // namespace kx::x86
