// SPDX-License-Identifier: GPL-2.0-or-later
// completion/kexec, driven as bash drives it: COMP_WORDS split with and
// without '=' as a word break, against the kexec this build made.
#include <criterion/criterion.h>

#include <set>

#include "helpers.hpp"
#include "options.hpp"
#include "strings.hpp"

using namespace kx;
using namespace kxt;

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The candidates bash would offer for words[cword] (default: the last),
// run in `dir`, as a set.
std::set<std::string> complete(const std::vector<std::string>& words, const std::string& dir = "/", int cword = -1) {
    std::string array;
    for (const auto& w : words)
        array += " '" + w + "'";
    const std::string script = "cd '" + dir + "' && PATH='" KX_BUILDDIR "/sbin':$PATH && source '" KX_SRCDIR
                               "/completion/kexec' && COMP_WORDS=(" + array + ") && COMP_CWORD=" +
                               (cword < 0 ? std::string("$((${#COMP_WORDS[@]} - 1))") : std::to_string(cword)) + " "
                               "&& _kexec && printf '%s\\n' \"${COMPREPLY[@]}\"";
    const std::string out = shell_output("bash -c " + shell_quote(script));
    std::set<std::string> result;
    for (const auto& line : split_lines(out))
        if (!line.empty())
            result.insert(line);
    return result;
}

std::string show(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s)
        out += x + " ";
    return out;
}

}  // namespace

Test(completion, every_long_option_is_offered) {
    const auto offered = complete({"kexec", "--"});
    for (const std::string& name : long_option_names())
        cr_expect(offered.count("--" + name) || offered.count("--" + name + "="), "--%s not offered", name.c_str());
    const auto shorts = complete({"kexec", "-"});
    for (const char* s : {"-l", "-p", "-s", "-c", "-e", "-u", "-t", "-d"})
        cr_expect(shorts.count(s), "%s not offered: %s", s, show(shorts).c_str());
}

Test(completion, option_values) {
    const std::set<std::string> types = {"bzImage64", "uki", "elf-x86_64"};
    cr_assert(complete({"kexec", "-t", ""}) == types);
    cr_assert(complete({"kexec", "--type", "=", ""}) == types, "with '=' as a word break");
    cr_assert(complete({"kexec", "--type=u"}) == std::set<std::string>{"uki"}, "without");
    cr_assert(complete({"kexec", "--dry-run=j"}) == std::set<std::string>{"json"});
    const auto verify = complete({"kexec", "--uki-verify", "=", ""}, KX_SRCDIR "/doc");
    cr_assert(verify.count("db"), "%s", show(verify).c_str());
}

// --uki-profile offers the numbers and IDs of the UKI on the command line.
Test(completion, uki_profiles_come_from_the_file) {
    const std::string dir = scratch_dir();
    const std::string uki = write_file(dir + "/m.efi", make_stub_pe({section(".linux", make_bzimage()),
                                                                     section(".cmdline", "base"),
                                                                     section(".profile", "ID=rescue\nTITLE=R"),
                                                                     section(".profile", "ID=debug"),
                                                                     section(".cmdline", "debug")}));
    const std::set<std::string> profiles = {"0", "1", "rescue", "debug"};
    cr_assert(complete({"kexec", "-l", uki, "--uki-profile", ""}) == profiles, "%s",
              show(complete({"kexec", "-l", uki, "--uki-profile", ""})).c_str());
    cr_assert(complete({"kexec", "--uki-profile", "=", "re", uki}, "/", 3) == std::set<std::string>{"rescue"},
              "the file may come after the option");
    cr_assert(complete({"kexec", "--uki-profile", ""}).empty(), "no file, nothing to offer");
    const std::string initrd = write_file(dir + "/initrd.img", "I");
    cr_assert(complete({"kexec", "-l", uki, "--initrd", initrd, "--uki-profile", ""}) == profiles,
              "an option's value is not the UKI");
}

// --uki-addon offers *.addon.efi (and directories to descend); the kernel
// operand any file.
Test(completion, files) {
    const std::string dir = scratch_dir();
    write_file(dir + "/a.addon.efi", "x");
    write_file(dir + "/notes.txt", "x");
    cr_assert_eq(run_shell("mkdir '" + dir + "/sub'"), 0);
    cr_assert(complete({"kexec", "--uki-addon", ""}, dir) == (std::set<std::string>{"a.addon.efi", "sub"}), "%s",
              show(complete({"kexec", "--uki-addon", ""}, dir)).c_str());
    cr_assert(complete({"kexec", "-l", ""}, dir) == (std::set<std::string>{"a.addon.efi", "notes.txt", "sub"}));
}
