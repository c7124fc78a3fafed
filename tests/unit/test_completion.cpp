// SPDX-License-Identifier: GPL-2.0-or-later
// completion/kexec, driven as bash drives it: COMP_WORDS split with and
// without '=' as a word break, against the kexec this build made.
#include <criterion/criterion.h>

#include <set>
#include <sys/stat.h>

#include "helpers.hpp"
#include "plan/options.hpp"
#include "base/strings.hpp"

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
        array += " " + shell_quote(w);
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

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

// Every way of asking for --uki-profile's value: as the next word, after
// '=' as a word of its own, and in one word with the option.
std::vector<std::set<std::string>> profile_candidates(const std::string& uki, const std::string& dir) {
    std::vector<std::set<std::string>> out;
    out.push_back(complete({"kexec", "-l", uki, "--uki-profile", ""}, dir));
    out.push_back(complete({"kexec", "-l", uki, "--uki-profile", "=", ""}, dir));
    out.push_back(complete({"kexec", "-l", uki, "--uki-profile="}, dir));
    return out;
}

}  // namespace

// Issue 24: a profile ID is text from the file. It must never be expanded
// by the shell (compgen -W would run $(...) in it when TAB is pressed),
// and only an ID that is safe to insert as it is may be offered; any
// profile stays reachable by its number.
Test(completion, profile_ids_from_the_file_are_never_run_or_offered_unsafe) {
    const std::string dir = scratch_dir();
    const std::string marker = dir + "/pwned";
    write_file(dir + "/decoy.efi", "x");  // what a glob in the word list would expand to
    const std::vector<std::string> hostile = {
        "$(touch " + marker + ")",
        "$(touch${IFS}" + marker + ")",
        "`touch${IFS}" + marker + "`",
        "\"$(touch " + marker + ")\"",
        "`touch " + marker + "`",
        "x;touch${IFS}" + marker,
        "${IFS:-$(touch " + marker + ")}",
        "\"a\n$(touch " + marker + ")\"",
        "*",
        "[a-z]*",
        "~root",
        "-l",
        "a b",
        "x\x1by",
        "r\xc3\xa9sum\xc3\xa9",
        std::string(65, 'a'),
    };
    for (const std::string& id : hostile) {
        const std::string uki = write_file(dir + "/h.efi", make_stub_pe({section(".linux", make_bzimage()),
                                                                        section(".profile", "ID=plain"),
                                                                        section(".profile", "ID=" + id),
                                                                        section(".cmdline", "two")}));
        for (const auto& offered : profile_candidates(uki, dir)) {
            cr_expect(offered == (std::set<std::string>{"0", "1", "plain"}), "ID %s: offered %s",
                      quote(id).c_str(), show(offered).c_str());
        }
        cr_expect(!exists(marker), "ID %s ran a command", quote(id).c_str());
        ::unlink(marker.c_str());
    }
}

// A plain ID (os-release's ID= characters, upper case too) completes by
// prefix, in every form of the option.
Test(completion, a_plain_profile_id_still_completes) {
    const std::string dir = scratch_dir();
    const std::string id = "Factory-reset_2.0";
    const std::string uki = write_file(dir + "/p.efi", make_stub_pe({section(".linux", make_bzimage()),
                                                                    section(".profile", "ID=regular"),
                                                                    section(".profile", "ID=" + id),
                                                                    section(".cmdline", "x")}));
    cr_expect(complete({"kexec", "-l", uki, "--uki-profile", "Fa"}) == std::set<std::string>{id});
    cr_expect(complete({"kexec", "-l", uki, "--uki-profile", "=", "Fa"}) == std::set<std::string>{id});
    cr_expect(complete({"kexec", "-l", uki, "--uki-profile=Fa"}) == std::set<std::string>{id}, "as --type=u");
    cr_expect(complete({"kexec", "-l", uki, "--uki-profile", "1"}) == std::set<std::string>{"1"});
}

// The kexec that completion asks (--help, --uki-info) is never one at a
// relative path: ./kexec in a directory someone else controls would run
// their program as whoever pressed TAB. `kexec` from PATH answers instead.
Test(completion, a_relative_command_path_is_not_run) {
    const std::string dir = scratch_dir();
    const std::string marker = dir + "/ran";
    write_file(dir + "/kexec", "#!/bin/sh\ntouch '" + marker + "'\necho ' -Z --evil'\n");
    cr_assert_eq(::chmod((dir + "/kexec").c_str(), 0755), 0);
    const auto offered = complete({"./kexec", "--"}, dir);
    cr_expect(!exists(marker), "./kexec was run");
    cr_expect(offered.count("--uki-info") && !offered.count("--evil"), "%s", show(offered).c_str());
    cr_assert_eq(run_shell("mkdir '" + dir + "/sub'"), 0);
    const auto sub = complete({"sub/../kexec", "-"}, dir);
    cr_expect(!exists(marker), "sub/../kexec was run");
    cr_expect(sub.count("-l") && !sub.count("-Z"), "%s", show(sub).c_str());
    // An absolute path is what the user chose to run: it is asked.
    const auto absolute = complete({dir + "/kexec", "--"}, dir);
    cr_expect(exists(marker), "an absolute path is the kexec being completed");
    cr_expect(absolute.count("--evil"), "%s", show(absolute).c_str());
}
