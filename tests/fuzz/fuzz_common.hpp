// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the libFuzzer targets: a sysroot that is never on disk (every
// /proc and /sys file a target needs is handed to SystemView in memory),
// and a check that aborts, so the fuzzer records the input, when a
// property the code promises does not hold.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>

#include "sys/sysroot.hpp"

namespace kxf {

inline kx::SystemView empty_machine() { return kx::SystemView("/nonexistent-kexec-uki-fuzz-sysroot"); }

[[noreturn]] inline void broken(const char* what) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

#define KXF_CHECK(cond)                  \
    do {                                 \
        if (!(cond))                     \
            ::kxf::broken(#cond);        \
    } while (0)

}  // namespace kxf
