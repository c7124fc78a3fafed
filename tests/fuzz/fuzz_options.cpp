// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the command line of kexec itself. NUL-separated
// arguments through parse_options (abbreviations, getopt, every option's
// value parser).
#include <vector>

#include "fuzz_common.hpp"
#include "plan/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> args{"kexec"};
    std::string current;
    for (size_t i = 0; i < size && args.size() < 64; i++) {
        if (data[i] == '\0') {
            args.push_back(current);
            current.clear();
        } else {
            current.push_back(static_cast<char>(data[i]));
        }
    }
    args.push_back(current);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    (void)kx::parse_options(static_cast<int>(args.size()), argv.data());
    return 0;
}
