// SPDX-License-Identifier: GPL-2.0-or-later
// mkuki: build a UKI, a profile PE or an addon the way a real producer lays
// it out (tests/unit/uki_builder.hpp), for guest scenarios. Test tool, not
// product.
//
//   mkuki --style objcopy|ukify-252|ukify-254|ukify-257|ukify-262 [--kind uki|profile|addon|bzimage] --out FILE
//         [--linux F] [--initrd F]... [--ucode F] [--osrel F] [--cmdline TEXT]
//         [--uname TEXT] [--profile TEXT] [--join-profile F]... [--section NAME=F]...
#include <cstdio>
#include <cstdlib>
#include <string>

#include "uki_builder.hpp"

namespace kxt {
[[noreturn]] void builder_failure(const std::string& message) {
    std::fprintf(stderr, "mkuki: %s\n", message.c_str());
    std::exit(2);
}
}  // namespace kxt

namespace {

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: mkuki --style objcopy|ukify-252|ukify-254|ukify-257|ukify-262\n"
                 "             [--kind uki|profile|addon|bzimage] --out FILE\n"
                 "             [--linux F] [--initrd F]... [--ucode F] [--osrel F] [--cmdline TEXT]\n"
                 "             [--uname TEXT] [--profile TEXT] [--join-profile F]... [--section NAME=F]...\n");
    std::exit(2);
}

std::string contents(const std::string& path) {
    std::string data = kxt::read_file(path);
    if (data.empty())
        kxt::builder_failure(path + ": empty or unreadable");
    return data;
}

}  // namespace

int main(int argc, char** argv) {
    kxt::UkiSpec spec;
    std::string out, kind = "uki";
    std::optional<kxt::UkiStyle> style;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (i + 1 >= argc)
            usage();
        const std::string v = argv[++i];
        if (a == "--style") {
            for (kxt::UkiStyle s : kxt::kAllStyles)
                if (v == (s == kxt::UkiStyle::Objcopy ? "objcopy" : "ukify-" + kxt::style_version(s)))
                    style = s;
            if (!style)
                usage();
        } else if (a == "--kind") kind = v;
        else if (a == "--out") out = v;
        else if (a == "--linux") spec.linux_image = contents(v);
        else if (a == "--initrd") spec.initrds.push_back(contents(v));
        else if (a == "--ucode") spec.ucode = contents(v);
        else if (a == "--osrel") spec.osrel = contents(v);
        else if (a == "--cmdline") spec.cmdline = v;
        else if (a == "--uname") spec.uname = v;
        else if (a == "--profile") spec.profile = v;
        else if (a == "--join-profile") spec.join_profiles.push_back(contents(v));
        else if (a == "--section") {
            const size_t eq = v.find('=');
            if (eq == std::string::npos)
                usage();
            spec.extra.push_back(kxt::section(v.substr(0, eq), contents(v.substr(eq + 1))));
        } else {
            usage();
        }
    }
    if (out.empty() || (!style && kind != "bzimage"))
        usage();
    std::string bytes;
    if (kind == "bzimage") bytes = kxt::make_efi_bzimage();  // the unit tests' relocatable EFI-stub bzImage
    else if (kind == "uki") bytes = kxt::build_uki(*style, spec);
    else if (kind == "profile") bytes = kxt::build_profile_pe(spec, *style);
    else if (kind == "addon") bytes = kxt::build_addon(*style, spec);
    else usage();
    kxt::write_file(out, bytes);
    return 0;
}
