// mkpe: write a PE32+ x86-64 file with the given sections, in order, using
// the unit tests' PE writer. For guest scenarios that need shapes objcopy
// cannot make (several .profile sections, addons). Test tool, not product.
//
//   mkpe --out FILE [--section NAME=FILE]...
#include <cstdio>
#include <cstring>
#include <string>

#include "helpers.hpp"

int main(int argc, char** argv) {
    std::string out;
    kxt::PeSpec spec;
    spec.sections.push_back(kxt::section(".text", std::string(0x100, '\xc3')));
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--out" && i + 1 < argc) {
            out = argv[++i];
        } else if (a == "--section" && i + 1 < argc) {
            std::string s = argv[++i];
            size_t eq = s.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "mkpe: --section wants NAME=FILE, got %s\n", s.c_str());
                return 2;
            }
            std::string data = kxt::read_file(s.substr(eq + 1));
            if (data.empty()) {
                std::fprintf(stderr, "mkpe: %s: empty or unreadable\n", s.substr(eq + 1).c_str());
                return 2;
            }
            spec.sections.push_back(kxt::section(s.substr(0, eq), data));
        } else {
            std::fprintf(stderr, "usage: mkpe --out FILE [--section NAME=FILE]...\n");
            return 2;
        }
    }
    if (out.empty()) {
        std::fprintf(stderr, "mkpe: --out is required\n");
        return 2;
    }
    kxt::write_file(out, kxt::make_pe(spec));
    return 0;
}
