// From options and the kernel file to an Invocation (the plan as data). No
// syscall is made here; only files are read.
#pragma once

#include "load_plan.hpp"
#include "options.hpp"
#include "result.hpp"
#include "sysroot.hpp"

namespace kx {

Result<Invocation> plan_invocation(const Options& opts, const SystemView& sys);

// The kexec_load (-c) image for a planned load: segments, purgatory, entry.
// Called for -c, and lazily for -a when kexec_file_load cannot be used.
// `notes` collects what is worth saying under -d (placement, EFI, video).
Result<SegmentLoadCall> plan_segment_load(const LoadPlan& load, const Options& opts,
                                          const SystemView& sys, std::vector<std::string>& notes);

// The "Crash kernel" range in /proc/iomem; nullopt when none is reserved.
struct CrashRegion {
    uint64_t start = 0, end = 0;  // inclusive end, as in /proc/iomem
    uint64_t size() const { return end - start + 1; }
};
std::optional<CrashRegion> find_crash_region(const SystemView& sys);

}  // namespace kx
