// SPDX-License-Identifier: GPL-2.0-or-later
#include <cstdio>
#include <exception>
#include <new>

#include "cli/kexec_main.hpp"

int main(int argc, char** argv) {
    // Errors are values; an exception reaching here is memory running out
    // (or a bug). Either way: one line and exit status 1, never an abort.
    try {
        kx::MainEnv env;
        return kx::kexec_main(argc, argv, env);
    } catch (const std::bad_alloc&) {
        std::fputs("kexec: out of memory\n", stderr);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kexec: internal error: %s\n", e.what());
    }
    return 1;
}
