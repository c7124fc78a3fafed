// SPDX-License-Identifier: GPL-2.0-or-later
// The whole program as a function, so tests run it in-process with a
// recording backend and captured output.
#pragma once

#include <cstdio>

#include "sys/backend.hpp"

namespace kx {

struct MainEnv {
    FILE* out = stdout;
    FILE* err = stderr;
    // Tests inject a RecordingBackend here. When null, --dry-run uses a
    // RecordingBackend and everything else the real LinuxBackend.
    Backend* backend = nullptr;
};

int kexec_main(int argc, char** argv, MainEnv& env);

void print_usage(FILE* out);
void print_version(FILE* out);

}  // namespace kx
