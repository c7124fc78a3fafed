// SPDX-License-Identifier: GPL-2.0-or-later
// What a UKI boots: profiles, addons, the initrd in systemd-stub's order,
// command line rules, sidecar files. Checked on the plan (in-process) and on
// what a RecordingBackend received.
#include <criterion/criterion.h>

#include <functional>
#include <utility>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.hpp"
#include "sys/kexec_abi.hpp"
#include "pe/authenticode.hpp"
#include "uki_styles.hpp"
#include "plan/options.hpp"
#include "plan/planner.hpp"
#include "uki/boot.hpp"
#include "uki/cpio.hpp"
#include "base/strings.hpp"
#include "uki/stub.hpp"

using namespace kx;
using namespace kxt;

namespace {

std::string pad4(std::string s) {
    while (s.size() % 4)
        s.push_back('\0');
    return s;
}

Result<Invocation> try_plan(std::vector<std::string> args, const std::string& sysroot) {
    auto o = parse_args(std::move(args));
    cr_assert(o.ok(), "%s", o.ok() ? "" : o.error().message.c_str());
    return plan_invocation(*o, SystemView(sysroot));
}

Invocation plan_args(std::vector<std::string> args, const std::string& sysroot = "/nonexistent-sysroot") {
    auto inv = try_plan(std::move(args), sysroot);
    cr_assert(inv.ok(), "plan failed: %s", inv.ok() ? "" : inv.error().message.c_str());
    return std::move(inv).value();
}

std::string plan_error(std::vector<std::string> args, const std::string& sysroot = "/nonexistent-sysroot") {
    auto inv = try_plan(std::move(args), sysroot);
    cr_assert(!inv.ok(), "expected the plan to fail");
    return inv.error().message;
}

bool plan_note(const Invocation& inv, const std::string& fragment) {
    for (const auto& n : inv.load->notes)
        if (contains(n, fragment))
            return true;
    return false;
}

std::string all_notes(const Invocation& inv) {
    std::string s;
    for (const auto& n : inv.load->notes)
        s += n + "\n";
    return s;
}

// Files of a cpio archive as GNU cpio lists them ("mode name").
std::string cpio_listing(const std::string& archive) {
    std::string dir = scratch_dir();
    write_file(dir + "/a.cpio", archive);
    return shell_output("cd '" + dir + "' && cpio -itv --quiet < a.cpio 2>&1 | awk '{print $1, $NF}'");
}

std::string cpio_extract(const std::string& archive, const std::string& member) {
    std::string dir = scratch_dir();
    write_file(dir + "/a.cpio", archive);
    run_shell("cd '" + dir + "' && mkdir x && cd x && cpio -id --quiet < ../a.cpio");
    return read_file(dir + "/x/" + member);
}

// The newc archive our writer makes for one /.extra file (checked against
// GNU cpio separately, in cpio.writer_matches_gnu_cpio).
std::string extra_cpio(const std::string& name, const std::string& contents) {
    uki::CpioWriter w;
    w.add_directory(".extra", 0555);
    (void)w.add_file(".extra/" + name, 0444, Payload::generated(name, contents));
    return w.finish().bytes_copy();
}

const std::string kOsrel = "ID=test\nPRETTY_NAME=\"Test OS\"\nVERSION_ID=7\n";

// An EFI-stub kernel of odd length: ukify sets .linux's VirtualSize to its
// SizeOfImage (larger than the file) and pads its raw data to 0x200, so the
// section holds the kernel plus zeros that must not be loaded.
BzImageSpec odd_kernel() {
    BzImageSpec spec;
    spec.size = 70001;
    return spec;
}

struct SimpleUki {
    UkiStyle style;
    std::string dir = scratch_dir();
    std::string kernel = make_efi_bzimage(odd_kernel());
    std::string ucode = "UCODE-CPIO-BYTES";            // 16 bytes: no padding needed
    std::string initrd = "INITRD-BYTES-OF-ODD-LENGTH";  // 26 bytes: padded to 28
    std::string path;
    explicit SimpleUki(UkiStyle s) : style(s) {
        UkiSpec spec;
        spec.osrel = kOsrel;
        spec.cmdline = "console=ttyS0 quiet\n";
        spec.ucode = ucode;
        spec.linux_image = kernel;
        spec.initrds = {initrd};
        path = write_file(dir + "/simple.efi", build_uki(style, spec));
    }
    // What the UKI's own stub passes: .ucode since systemd 256 ("sd-stub
    // gained support for the new .ucode PE section"), .osrel as
    // /.extra/os-release since 257 (252 and 254 pass only .pcrsig/.pcrpkey).
    std::string expected_initrd() const {
        return (stub_release(style) >= 256 ? pad4(ucode) : "") + pad4(initrd) +
               (stub_release(style) >= 257 ? extra_cpio("os-release", kOsrel) : "");
    }
    // A UKI in the same style with other parts.
    std::string another(const std::string& name, const UkiSpec& spec) const {
        return write_file(dir + "/" + name, build_uki(style, spec));
    }
    std::string addon(const std::string& path, const UkiSpec& spec) const {
        return write_file(path, build_addon(style, spec));
    }
};

UkiSpec cmdline_addon(const std::string& cmdline) {
    UkiSpec spec;
    spec.cmdline = cmdline;
    return spec;
}

}  // namespace

UKI_TEST(uki, plan_boots_what_the_stub_would) {
    SimpleUki u(style);
    Invocation inv = plan_args({"-s", "-l", u.path});
    const LoadPlan& l = *inv.load;
    cr_assert_str_eq(l.image_type.c_str(), "uki");
    kx_assert_str(sha256_hex(l.boot.kernel.bytes_copy()), sha256_hex(u.kernel));  // the .linux payload exactly
    cr_assert(l.boot.initrd);
    cr_assert_eq(l.boot.initrd->bytes_copy(), u.expected_initrd(), "ucode, initrd, /.extra/os-release in order");
    cr_assert_str_eq(l.boot.cmdline.c_str(), "console=ttyS0 quiet", "trailing newline trimmed like the stub");
    cr_assert_eq(l.file_calls.size(), 2u);
    cr_assert_str_eq(l.file_calls[0].label.c_str(), "whole UKI");
    cr_assert_eq(l.file_calls[0].flags, abi::KEXEC_FILE_NO_INITRAMFS);
    cr_assert(!l.file_calls[0].cmdline, "no command line unless the user gave one");
    cr_assert(l.file_calls[0].kernel.as_whole_file(), "the whole UKI goes as its own fd");
    const std::vector<int> splits_on = {ENOEXEC, EINVAL, ENODATA, ENOMEM};
    cr_assert(l.file_calls[0].next_on == splits_on);
    cr_assert(l.file_calls[0].kind == FileCallKind::WholeUki);
    cr_assert(l.file_calls[1].kind == FileCallKind::SplitUki);
    cr_assert_str_eq(l.file_calls[1].cmdline->c_str(), "console=ttyS0 quiet");
    cr_assert_eq(l.file_calls[1].flags, 0u);
}

UKI_TEST(uki, dry_run_json_carries_the_digests) {
    SimpleUki u(style);
    RunResult r = run_kexec({"-l", "--dry-run=json", u.path}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, "\"sha256\": \"" + sha256_hex(u.kernel) + "\""));
    cr_assert(contains(r.out, "\"sha256\": \"" + sha256_hex(u.expected_initrd()) + "\""));
    cr_assert(contains(r.out, "\"cmdline\": \"console=ttyS0 quiet\""));
    cr_assert(contains(r.out, "\"image_type\": \"uki\""));
}

UKI_TEST(uki, split_after_enoexec_uses_sealed_memfds) {
    SimpleUki u(style);
    RecordingBackend rec;
    rec.results = {ENOEXEC, 0};
    rec.keep_bytes = true;
    RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 3u, "whole, split, sync");
    const RecordedCall& whole = rec.calls[0];
    kx_assert_str(whole.kernel.sha256, sha256_hex(read_file(u.path)));
    cr_assert_eq(whole.flags, abi::KEXEC_FILE_NO_INITRAMFS);
    cr_assert(!whole.cmdline);
    const RecordedCall& split = rec.calls[1];
    kx_assert_str(split.kernel.sha256, sha256_hex(u.kernel));
    kx_assert_str(split.initrd.sha256, sha256_hex(u.expected_initrd()));
    cr_assert(split.kernel.sealed && split.initrd.sealed, "memfds must be sealed");
    cr_assert(contains(split.kernel.path, "/memfd:kexec-kernel"), "%s", split.kernel.path.c_str());
    cr_assert(contains(split.initrd.path, "/memfd:kexec-initrd"), "%s", split.initrd.path.c_str());
    cr_assert_str_eq(split.cmdline->c_str(), "console=ttyS0 quiet");
    cr_assert_str_eq(rec.calls[2].syscall.c_str(), "sync");
}

UKI_TEST(uki, whole_uki_accepted_means_no_split) {
    SimpleUki u(style);
    RecordingBackend rec;  // a future kernel that verifies UKIs
    RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(rec.calls.size(), 2u, "one load, then sync");
}

// A kernel with a UKI loader decided on the UKI as one signed object: a
// signature it rejected, or the caller's parts it refused, must not be got
// round by loading the split parts; an unsigned UKI (ENODATA) may be split,
// as the kernel then checks .linux as it checks any kernel.
UKI_TEST(uki, uki_loader_refusals_are_final_and_only_enodata_splits) {
    SimpleUki u(style);
    for (int err : {EKEYREJECTED, ENOKEY, EBADMSG, EPERM, EACCES}) {
        RecordingBackend rec;
        rec.results = {err, 0};
        RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
        cr_expect_eq(r.rc, 255, "errno %d: EFAILED", err);
        cr_expect_eq(rec.calls.size(), 1u, "errno %d: the split was tried", err);
        cr_expect(starts_with(r.err, "kexec: kexec_file_load of " + u.path + " failed ("), "%s", r.err.c_str());
    }
    RecordingBackend rec;
    rec.results = {ENODATA, 0};
    RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 3u, "whole (unsigned: ENODATA), split, sync");
}

// Our UKI loader (doc/kernel-uki-loader.md) never answers ENOEXEC once it
// has verified the UKI: its later failures are final too, and each is
// explained as what it is.
UKI_TEST(uki, failures_after_the_loader_verified_the_uki_are_final) {
    SimpleUki u(style);
    const std::pair<int, std::string> cases[] = {
        {ENOENT, "the kernel's UKI loader found no such profile in " + u.path},
        {E2BIG, "the command line (the UKI's .cmdline, or the caller's) is longer than the kernel in " + u.path},
        {ELIBBAD, "the kernel's UKI loader found " + u.path + " malformed"},
    };
    for (const auto& [err, advice] : cases) {
        RecordingBackend rec;
        rec.results = {err, 0};
        RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
        cr_expect_eq(r.rc, 255, "errno %d: EFAILED", err);
        cr_expect_eq(rec.calls.size(), 1u, "errno %d: the split was tried", err);
        cr_expect(contains(r.err, advice), "errno %d: %s", err, r.err.c_str());
    }
}

// Every kernel reads the whole file before a loader looks at it; with no
// memory for a large UKI (a small machine starting kdump), the split, which
// passes less, is tried, and -d says why.
UKI_TEST(uki, enomem_on_the_whole_uki_splits) {
    SimpleUki u(style);
    RecordingBackend rec;
    rec.results = {ENOMEM, 0};
    RunResult r = run_kexec({"-s", "-l", "-d", u.path}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 3u, "whole (ENOMEM), split, sync");
    cr_assert(contains(r.err, "kexec_file_load(whole UKI): ENOMEM decides nothing about it: trying UKI split"),
              "%s", r.err.c_str());
    RecordingBackend twice;
    twice.results = {ENOMEM, ENOMEM};
    r = run_kexec({"-s", "-l", u.path}, &twice);
    cr_assert_eq(r.rc, 255, "the split's own ENOMEM is the answer");
    cr_assert_eq(twice.calls.size(), 2u);
}

UKI_TEST(uki, eperm_for_caller_parts_names_the_uki_loader_rule) {
    SimpleUki u(style);
    RecordingBackend rec;
    rec.results = {EPERM};
    RunResult r = run_kexec({"-s", "-l", "--append=single", u.path}, &rec);
    cr_assert_eq(r.rc, 255);
    cr_assert(contains(r.err, "UKI loader enforces signatures and so refuses an initrd, or a command line"),
              "%s", r.err.c_str());
    RecordingBackend plain;
    plain.results = {EPERM};
    r = run_kexec({"-s", "-l", u.path}, &plain);
    cr_assert(!contains(r.err, "UKI loader"), "nothing of the caller's was passed: %s", r.err.c_str());
}

UKI_TEST(uki, einval_also_splits_enoexec_from_split_fails_with_s) {
    SimpleUki u(style);
    RecordingBackend rec;
    rec.results = {EINVAL, ENOEXEC};
    RunResult r = run_kexec({"-s", "-l", u.path}, &rec);
    cr_assert_eq(r.rc, 253, "kexec-tools: EFALLBACK");
    cr_assert_eq(rec.calls.size(), 2u);
    cr_assert(contains(r.err, "does not recognise"), "%s", r.err.c_str());
}

UKI_TEST(uki, user_command_line_overrides_and_is_noted) {
    SimpleUki u(style);
    Invocation inv = plan_args({"-s", "-l", "--append=root=/dev/vda1", u.path});
    const LoadPlan& l = *inv.load;
    cr_assert_str_eq(l.boot.cmdline.c_str(), "root=/dev/vda1");
    cr_assert_str_eq(l.cmdline_source.c_str(), "--append");
    cr_assert_str_eq(l.file_calls[0].cmdline->c_str(), "root=/dev/vda1", "the whole-UKI call gets it too");
    bool noted = false;
    for (auto& n : l.notes)
        noted |= contains(n, "the UKI's .cmdline \"console=ttyS0 quiet\" is overridden by --append");
    cr_assert(noted);
    RecordingBackend rec;
    rec.results = {ENOEXEC, 0};
    RunResult r = run_kexec({"-s", "-l", "-d", "--command-line=root=/dev/vda1", u.path}, &rec);
    cr_assert(contains(r.err, "overridden by --command-line"), "-d shows it: %s", r.err.c_str());
}

UKI_TEST(uki, user_initrd_replaces_the_assembled_one) {
    SimpleUki u(style);
    std::string kdump = write_file(u.dir + "/kdump.img", "KDUMP-INITRAMFS");
    Invocation inv = plan_args({"-s", "-l", "--initrd=" + kdump, u.path});
    const LoadPlan& l = *inv.load;
    cr_assert_eq(l.boot.initrd->bytes_copy(), "KDUMP-INITRAMFS");
    cr_assert(l.file_calls[0].initrd, "the whole-UKI call passes the user's initrd");
    cr_assert_eq(l.file_calls[0].flags & abi::KEXEC_FILE_NO_INITRAMFS, 0u);
    bool noted = false;
    for (auto& n : l.notes)
        noted |= contains(n, "--initrd replaces the initrd the UKI would assemble");
    cr_assert(noted);
}

// --uki-strict is the stub's Secure Boot rule, which starts with a valid
// signature: an unsigned UKI on a machine without a db goes nowhere. (Its
// refusals of overrides are in test_verify.cpp, on signed UKIs.)
UKI_TEST(uki, strict_implies_verification) {
    SimpleUki u(style);
    RecordingBackend rec;
    RunResult r = run_kexec({"-s", "-l", "--uki-strict", u.path}, &rec);
    cr_assert_neq(r.rc, 0);
    cr_assert(contains(r.err, "kexec: --uki-strict: no UEFI db to verify against"), "%s", r.err.c_str());
    cr_assert(rec.calls.empty(), "nothing may reach the kernel");
    const std::string kernel = write_file(u.dir + "/vmlinuz", u.kernel);
    std::string plain = plan_error({"-l", "--uki-strict", kernel});
    cr_assert(contains(plain, kernel + ": --uki-strict verifies UKIs, and this is a bzImage"), "%s", plain.c_str());
}

UKI_TEST(uki, command_line_too_long_for_the_kernel) {
    SimpleUki u(style);
    BzImageSpec spec;
    spec.cmdline_size = 16;
    UkiSpec long_spec;
    long_spec.cmdline = "console=ttyS0 quiet loglevel=7";
    long_spec.linux_image = make_bzimage(spec);
    std::string path = u.another("long.efi", long_spec);
    std::string e = plan_error({"-l", path});
    cr_assert(contains(e, ".linux of " + path + ": the command line is 30 bytes but this kernel accepts at most 16"),
              "%s", e.c_str());
    // --uki-info makes the same decision: it cannot boot, for that reason.
    RunResult info = run_kexec({"--uki-info", path}, nullptr);
    cr_assert_eq(info.rc, 0, "%s", info.err.c_str());
    cr_assert(contains(info.out, "the command line is 30 bytes but this kernel accepts at most 16"), "%s",
              info.out.c_str());
    cr_assert(!contains(info.out, "boot: can boot"), "%s", info.out.c_str());
    RunResult fits = run_kexec({"--uki-info", u.path}, nullptr);
    cr_assert(contains(fits.out, "boot: can boot"), "%s", fits.out.c_str());
}

// systemd-stub's mangle_stub_cmdline() (src/boot/util.c, 2025): control
// characters, space and DEL are whitespace; leading and trailing whitespace
// go, each inner one becomes a space (runs stay), the first NUL ends it.
Test(uki, mangle_cmdline_like_the_stub) {
    kx_assert_str(uki::mangle_cmdline("a\tb\nc  \n\n"), "a b c");
    kx_assert_str(uki::mangle_cmdline(std::string("x y\0garbage", 11)), "x y");
    kx_assert_str(uki::mangle_cmdline("  lead"), "lead");
    kx_assert_str(uki::mangle_cmdline(" root=/dev/vda1 quiet"), "root=/dev/vda1 quiet");  // dracut's leading space
    kx_assert_str(uki::mangle_cmdline("a\x7f\x01" "b\r\n"), "a  b");
    kx_assert_str(uki::mangle_cmdline("\t \n"), "");
}

// A dracut UKI's .cmdline starts with a space; the stub drops it, so do we.
UKI_TEST(uki, cmdline_leading_space_dropped) {
    SimpleUki u(style);
    UkiSpec spec;
    spec.cmdline = " rd.luks=0 quiet \n";
    spec.linux_image = u.kernel;
    Invocation inv = plan_args({"-l", u.another("dracut.efi", spec)});
    kx_assert_str(inv.load->boot.cmdline, "rd.luks=0 quiet");
}

// systemd-stub reads .cmdline as UTF-8 into UCS-2 (xstrn8_to_16() and
// utf8_to_unichar() in src/boot/efi-string.c): what does not decode is
// dropped (a broken sequence whole, as long as its lead byte says, even a
// NUL inside it), overlong forms decode, surrogates and characters above
// U+FFFF are dropped, and an overlong NUL ends the string; the kernel's EFI
// stub writes the rest back as UTF-8. -d and the dry run say so.
Test(uki, cmdline_bytes_as_systemd_stub_decodes_them) {
    const std::string raw("a=\xc3\xa9 b=\xff c=\xc1\x81 d=\xed\xa0\x80 e=\xf0\x9f\x90\xa7 f=\xc3\x00x "
                          "h=\xf8\x88\x80\x80\x80 g=\xc0\x80tail \xc3",
                          51);
    kx_assert_str(uki::stub_text(raw), "a=\xc3\xa9 b= c=A d= e= f=x h= g=");
    kx_assert_str(uki::stub_text("plain, and \xe2\x98\x95"), "plain, and \xe2\x98\x95");  // valid BMP: unchanged
    kx_assert_str(uki::stub_text("short \xe2\x98"), "short ");
    for (UkiStyle style : {UkiStyle::Objcopy, UkiStyle::Ukify254}) {
        SimpleUki u(style);
        UkiSpec spec;
        spec.cmdline = raw;
        spec.linux_image = u.kernel;
        const std::string path = u.another("odd.efi", spec);
        Invocation inv = plan_args({"-l", path});
        kx_assert_str(inv.load->boot.cmdline, "a=\xc3\xa9 b= c=A d= e= f=x h= g=");
        bool noted = false;
        for (const auto& n : inv.load->notes)
            noted = noted || contains(n, "the UKI's .cmdline is not all UTF-8 that systemd-stub can read");
        cr_assert(noted, "%s: the change is noted", style_name(style));
        Invocation clean = plan_args({"-l", u.path});
        for (const auto& n : clean.load->notes)
            cr_assert(!contains(n, "not all UTF-8"), "no note for valid text: %s", n.c_str());
    }
}

// A boot loader's command line is mangled like the UKI's own, after "@N "
// comes off (process_arguments() in src/boot/stub.c).
UKI_TEST(uki, a_given_command_line_is_mangled_as_the_stub_mangles_it) {
    SimpleUki u(style);
    Invocation inv = plan_args({"-l", "--append=\t root=/dev/vda\nquiet  ", u.path});
    kx_assert_str(inv.load->boot.cmdline, "root=/dev/vda quiet");
    bool noted = false;
    for (const auto& n : inv.load->notes)
        noted = noted || contains(n, "is read as systemd-stub reads a boot loader's");
    cr_assert(noted);
    // "@N " is a profile choice only for a stub that knows profiles (257);
    // an older one passes it on as text.
    kx_assert_str(plan_args({"-l", "--append=@0  x ", u.path}).load->boot.cmdline,
                  stub_release(style) >= 257 ? "x" : "@0  x");
}

Test(uki, profile_prefix_parsing) {
    std::string s = "@1 root=x";
    cr_assert_eq(uki::take_profile_prefix(s), 1u);
    cr_assert_str_eq(s.c_str(), "root=x");
    s = "@12";
    cr_assert_eq(uki::take_profile_prefix(s), 12u);
    cr_assert_str_eq(s.c_str(), "");
    s = "@1x root";
    cr_assert(!uki::take_profile_prefix(s));
    s = "@ 1";
    cr_assert(!uki::take_profile_prefix(s));
    s = "@1  two-spaces";
    cr_assert_eq(uki::take_profile_prefix(s), 1u);
    cr_assert_str_eq(s.c_str(), " two-spaces", "exactly one space is removed");
}

// --- profiles --------------------------------------------------------------

namespace {
// Three profiles, joined as ukify --join-profile does. Profiles came with
// 257's stub, so the profile tests run there (PROFILES_TEST); what older
// stubs make of .profile sections is in stub_rules.profiles_need_the_257_stub.
struct ProfileUki {
    std::string dir = scratch_dir();
    std::string kernel = make_efi_bzimage(odd_kernel());
    std::string path;
    explicit ProfileUki(UkiStyle style) {
        UkiSpec rescue;
        rescue.profile = "ID=rescue\nTITLE=Rescue\n";
        rescue.cmdline = "rescue-cmdline";
        rescue.initrds = {"RESCUE-INITRD"};
        UkiSpec debug;
        debug.profile = "ID=debug\n";
        debug.cmdline = "debug-cmdline";
        UkiSpec base;
        base.osrel = kOsrel;
        base.cmdline = "base-cmdline";
        base.linux_image = kernel;
        base.initrds = {"BASE-INITRD!"};
        base.profile = "ID=default\nTITLE=\"Default boot\"\n";
        base.join_profiles = {build_profile_pe(rescue, style), build_profile_pe(debug, style)};
        path = write_file(dir + "/multi.efi", build_uki(style, base));
    }
};
}  // namespace

PROFILES_TEST(uki_profiles, default_is_profile_zero) {
    ProfileUki u(style);
    Invocation inv = plan_args({"-l", u.path});
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "base-cmdline", "profile 0 overrides nothing");
    std::string initrd = inv.load->boot.initrd->bytes_copy();
    cr_assert(starts_with(initrd, "BASE-INITRD!"));
    cr_assert(contains(initrd, ".extra/profile"));
    cr_assert(contains(initrd, "ID=default"));
    const std::string source = ".cmdline of " + u.path + " (profile @0)";
    cr_assert_str_eq(inv.load->cmdline_source.c_str(), source.c_str());
}

PROFILES_TEST(uki_profiles, select_by_number_and_id) {
    ProfileUki u(style);
    Invocation one = plan_args({"-l", "--uki-profile=1", u.path});
    cr_assert_str_eq(one.load->boot.cmdline.c_str(), "rescue-cmdline");
    std::string initrd = one.load->boot.initrd->bytes_copy();
    cr_assert(starts_with(initrd, "RESCUE-INITRD"), "profile 1 overrides .initrd");
    cr_assert(contains(initrd, "ID=rescue"), "/.extra/profile is the selected profile's");
    cr_assert(!contains(initrd, "BASE-INITRD"));
    Invocation byid = plan_args({"-l", "--uki-profile=rescue", u.path});
    cr_assert_str_eq(byid.load->boot.cmdline.c_str(), "rescue-cmdline");
    Invocation two = plan_args({"-l", "--uki-profile=@2", u.path});
    cr_assert_str_eq(two.load->boot.cmdline.c_str(), "debug-cmdline");
    cr_assert(starts_with(two.load->boot.initrd->bytes_copy(), "BASE-INITRD!"), "profile 2 keeps the base initrd");
}

// A kernel with a UKI loader picks the profile from the whole-UKI call's
// command line ("@N", doc/kernel-uki-loader.md): --uki-profile must reach it.
PROFILES_TEST(uki_profiles, whole_uki_call_carries_the_profile) {
    ProfileUki u(style);
    auto whole_cmdline = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"-s", "-l"});
        args.push_back(u.path);
        const Invocation inv = plan_args(args);
        const FileLoadCall& c = inv.load->file_calls.at(0);
        cr_assert(c.kind == FileCallKind::WholeUki);
        return c.cmdline;
    };
    cr_assert(!whole_cmdline({}), "profile 0 by default: nothing to say");
    kx_assert_str(*whole_cmdline({"--uki-profile=rescue"}), "@1");
    kx_assert_str(*whole_cmdline({"--uki-profile=2", "--append=root=/dev/sda"}), "@2 root=/dev/sda");
    kx_assert_str(*whole_cmdline({"--append=@1 quiet"}), "@1 quiet");  // the caller's own prefix, once
    kx_assert_str(*whole_cmdline({"--uki-profile=1", "--append=@1"}), "@1");
    kx_assert_str(*whole_cmdline({"--append=@0 quiet"}), "@0 quiet");  // profile 0: as given
}

PROFILES_TEST(uki_profiles, at_prefix_selects_like_the_stub) {
    ProfileUki u(style);
    Invocation only = plan_args({"-l", "--append=@1", u.path});
    cr_assert_str_eq(only.load->boot.cmdline.c_str(), "rescue-cmdline", "an empty rest falls back to .cmdline");
    Invocation more = plan_args({"-l", "--append=@1 root=/dev/sda", u.path});
    cr_assert_str_eq(more.load->boot.cmdline.c_str(), "root=/dev/sda");
    cr_assert(starts_with(more.load->boot.initrd->bytes_copy(), "RESCUE-INITRD"));
    std::string e = plan_error({"-l", "--append=@0 x", "--uki-profile=1", u.path});
    cr_assert(contains(e, "the command line selects profile @0 but --uki-profile selects @1"), "%s", e.c_str());
}

PROFILES_TEST(uki_profiles, unknown_profile_lists_the_available_ones) {
    ProfileUki u(style);
    std::string e = plan_error({"-l", "--uki-profile=7", u.path});
    cr_assert(contains(e, "no profile @7; available: @0 (ID=default, TITLE=\"Default boot\"), @1 (ID=rescue, "
                          "TITLE=\"Rescue\"), @2 (ID=debug)"),
              "%s", e.c_str());
    std::string e2 = plan_error({"-l", "--uki-profile=nope", u.path});
    cr_assert(contains(e2, "no profile with ID \"nope\""), "%s", e2.c_str());
    SimpleUki s(UkiStyle::Objcopy);
    std::string e3 = plan_error({"-l", "--uki-profile=1", s.path});
    cr_assert(contains(e3, "no profile @1; available: @0"), "%s", e3.c_str());
}

// --- addons ----------------------------------------------------------------

ADDONS_TEST(uki_addons, explicit_addons_append_cmdlines_and_initrds_in_order) {
    SimpleUki u(style);
    UkiSpec one = cmdline_addon("one=1\n"), two = cmdline_addon("two=2"), three;
    one.initrds = {"ADDON1"};
    two.ucode = "UC2!";
    three.ucode = "UC3!";
    std::string a1 = u.addon(u.dir + "/one.addon.efi", one);
    std::string a2 = u.addon(u.dir + "/two.addon.efi", two);
    std::string a3 = u.addon(u.dir + "/three.addon.efi", three);
    Invocation inv = plan_args({"-l", "--uki-addon=" + a1, "--uki-addon=" + a2, "--uki-addon=" + a3, u.path});
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "console=ttyS0 quiet one=1 two=2");
    if (stub_release(style) < 257) {  // addons' .initrd and .ucode came with 257's stub
        cr_assert_eq(inv.load->boot.initrd->bytes_copy(), u.expected_initrd(), "%s", style_name(style));
        cr_assert(plan_note(inv, "addon " + a1 + ": its .initrd and .ucode are left out: its systemd-stub 254 "
                                 "does not load addons' .initrd and .ucode (only their .cmdline) (systemd 257 added "
                                 "that)"), "%s", all_notes(inv).c_str());
        return;
    }
    std::string expected = std::string("UC3!") + "UC2!" + u.expected_initrd() + pad4("ADDON1");
    cr_assert_eq(inv.load->boot.initrd->bytes_copy(), expected,
                 "addon .ucode in reverse order first, addon .initrd last");
}

ADDONS_TEST(uki_addons, addon_with_linux_or_other_uname_is_refused) {
    SimpleUki u(style);
    UkiSpec named, not_addon;
    named.uname = "6.1.0-test";
    named.linux_image = u.kernel;
    std::string uki = u.another("named.efi", named);
    not_addon.cmdline = "x";
    not_addon.linux_image = u.kernel;
    std::string bad = u.another("bad.addon.efi", not_addon);
    std::string e = plan_error({"-l", "--uki-addon=" + bad, uki});
    cr_assert(contains(e, bad + ": is a UKI (it has a .linux section), not an addon"), "%s", e.c_str());
    UkiSpec other_spec = cmdline_addon("x");
    other_spec.uname = "5.10.0";
    std::string other = u.addon(u.dir + "/other.addon.efi", other_spec);
    std::string e2 = plan_error({"-l", "--uki-addon=" + other, uki});
    cr_assert(contains(e2, "addon .uname \"5.10.0\" does not match the UKI's \"6.1.0-test\""), "%s", e2.c_str());
    UkiSpec same_spec = cmdline_addon("ok=1");
    same_spec.uname = "6.1.0-test";
    std::string same = u.addon(u.dir + "/same.addon.efi", same_spec);
    Invocation inv = plan_args({"-l", "--uki-addon=" + same, uki});
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "ok=1");
}

// The stub compares only as many bytes as the addon's .uname holds
// (strneq8() in load_addons(), systemd's src/boot/stub.c): "6.1" applies to a
// UKI of "6.1.0-test", a longer or different one does not; a UKI without
// .uname takes any.
ADDONS_TEST(uki_addons, addon_uname_is_a_prefix_match_as_in_the_stub) {
    SimpleUki u(style);
    UkiSpec named;
    named.uname = "6.1.0-test";
    named.linux_image = u.kernel;
    const std::string uki = u.another("named.efi", named);
    UkiSpec unnamed;
    unnamed.linux_image = u.kernel;
    const std::string bare = u.another("bare.efi", unnamed);
    auto addon = [&](const std::string& name, const std::string& uname) {
        UkiSpec spec = cmdline_addon(name + "=1");
        spec.uname = uname;
        return u.addon(u.dir + "/" + name + ".addon.efi", spec);
    };
    for (const auto& [uname, applies] : std::initializer_list<std::pair<const char*, bool>>{
             {"6.1", true}, {"6.1.0-", true}, {"6.1.0-test", true}, {"6", true},
             {"6.1.0-test-rt", false}, {"6.2", false}, {"6.1.0-tesT", false}}) {
        const std::string a = addon("a", uname);
        auto inv = try_plan({"-l", "--uki-addon=" + a, uki}, "/nonexistent-sysroot");
        cr_assert_eq(inv.ok(), applies, "addon .uname \"%s\" on a UKI of \"6.1.0-test\": %s", uname,
                     inv.ok() ? "applied" : inv.error().message.c_str());
        if (applies)
            kx_assert_str(inv->load->boot.cmdline, "a=1");
        kx_assert_str(plan_args({"-l", "--uki-addon=" + a, bare}).load->boot.cmdline, "a=1");
    }
}

ADDONS_TEST(uki_addons, per_uki_extra_dir_is_searched_sorted_and_can_be_disabled) {
    SimpleUki u(style);
    u.addon(u.path + ".extra.d/b.addon.efi", cmdline_addon("bee"));
    u.addon(u.path + ".extra.d/a.addon.efi", cmdline_addon("ay"));
    u.addon(u.path + ".extra.d/.hidden.addon.efi", cmdline_addon("hidden"));
    u.addon(u.path + ".extra.d/c.efi", cmdline_addon("not-an-addon-name"));
    Invocation inv = plan_args({"-l", u.path});
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "console=ttyS0 quiet ay bee");
    Invocation off = plan_args({"-l", "--uki-no-addons", u.path});
    cr_assert_str_eq(off.load->boot.cmdline.c_str(), "console=ttyS0 quiet");
    Invocation user = plan_args({"-l", "--append=mine", u.path});
    cr_assert_str_eq(user.load->boot.cmdline.c_str(), "mine ay bee",
                     "appended to a caller's line, as systemd-stub appends them to a boot loader's");
}

// systemd-stub appends the addons' command lines to whichever line it
// settled on, a boot loader's too (run() in src/boot/stub.c); a line that is
// the running kernel's, or a crash kernel's built from it, normally holds
// them already, so they are not repeated there, and the note says whether
// it does (--uki-strict refuses every caller line beside an addon's:
// uki_verify.strict_counts_a_verified_addons_parts_as_signed).
ADDONS_TEST(uki_addons, caller_lines_get_the_addons_unless_they_come_from_the_running_kernel) {
    SimpleUki u(style);
    u.addon(u.path + ".extra.d/a.addon.efi", cmdline_addon("ay"));
    const std::string sys = make_sysroot({{"/proc/cmdline", "root=/dev/vda1 crashkernel=256M ay\n"},
                                          {"/proc/iomem", "00100000-3ffdffff : System RAM\n"
                                                          "  2b000000-3affffff : Crash kernel\n"}});
    Invocation command_line = plan_args({"-l", "--command-line=root=/dev/sda", u.path}, sys);
    kx_assert_str(command_line.load->boot.cmdline, "root=/dev/sda ay");
    kx_assert_str(command_line.load->cmdline_source, "--command-line + addon command lines");
    bool whole_noted = false;  // the first call, the whole UKI, passes the caller's line alone
    for (const auto& n : command_line.load->notes)
        whole_noted |= starts_with(n, "a kernel that takes the whole UKI (the first call) boots it without its addons");
    cr_assert(whole_noted, "no note that a kernel taking the whole UKI leaves the addons out");
    struct Case {
        std::vector<std::string> args;
        std::string cmdline, note;
    };
    const std::string left = "addon command lines \"ay\" are not appended to ";
    for (const Case& c : std::vector<Case>{
             {{"-l", "--reuse-cmdline"}, "root=/dev/vda1 crashkernel=256M ay",
              left + "--reuse-cmdline: it is taken from the running kernel's, which has them already"},
             {{"-p", "--reuse-cmdline", "--append=irqpoll"}, "root=/dev/vda1 ay irqpoll",
              left + "--reuse-cmdline + --append: it is taken from the running kernel's, which has them already"},
             {{"-p", "--append=root=/dev/vda1 irqpoll"}, "root=/dev/vda1 irqpoll",
              left + "--append: kdump tools build a crash kernel's from the running kernel's (/proc/cmdline), "
                     "which lacks \"ay\": add them with --append if the new kernel needs them"}}) {
        std::vector<std::string> args = c.args;
        args.push_back(u.path);
        Invocation inv = plan_args(args, sys);
        kx_assert_str(inv.load->boot.cmdline, c.cmdline);
        bool noted = false;
        for (const auto& n : inv.load->notes)
            noted |= n == c.note;
        cr_assert(noted, "%s: no note %s", args[1].c_str(), c.note.c_str());
    }
}

// systemd-boot's boot counting renames NAME.efi to NAME+LEFT-DONE.efi; the
// stub strips that suffix before it looks for NAME.efi.extra.d
// (remove_boot_count() and get_extra_dir() in systemd's src/boot/util.c).
Test(uki_addons, boot_count_suffix_is_removed_as_the_stub_does) {
    const std::pair<const char*, const char*> cases[] = {
        {"/EFI/Linux/k+3-1.efi", "/EFI/Linux/k.efi"},     {"/EFI/Linux/k+3.efi", "/EFI/Linux/k.efi"},
        {"/EFI/Linux/k+0-0.efi", "/EFI/Linux/k.efi"},     {"/EFI/Linux/k+3-1.v2.efi", "/EFI/Linux/k.v2.efi"},
        {"/EFI/Linux/k+3-1", "/EFI/Linux/k"},             {"/EFI/Linux/k+x.efi", "/EFI/Linux/k+x.efi"},
        {"/EFI/Linux/k+3-.efi", "/EFI/Linux/k+3-.efi"},   {"/EFI/Linux/k+3x.efi", "/EFI/Linux/k+3x.efi"},
        {"/EFI/Linux/k+.efi", "/EFI/Linux/k+.efi"},       {"/EFI/Linux/k.efi", "/EFI/Linux/k.efi"},
        // Only the first '+' of the path counts, as in the stub:
        {"/EFI/a+b/k+3-1.efi", "/EFI/a+b/k+3-1.efi"},     {"/EFI/a+1/k.efi", "/EFI/a+1/k.efi"},
        {"/EFI/Linux/k+1+2.efi", "/EFI/Linux/k+1+2.efi"},
    };
    for (const auto& [in, out] : cases)
        kx_assert_str(uki::remove_boot_count(in), out);
}

ADDONS_TEST(uki_addons, a_boot_counted_uki_finds_its_extra_dir) {
    SimpleUki u(style);
    const std::string esp = u.dir + "/esp";
    const std::string counted = write_file(esp + "/EFI/Linux/k+3-1.efi", read_file(u.path));
    u.addon(esp + "/EFI/Linux/k.efi.extra.d/a.addon.efi", cmdline_addon("counted"));
    u.addon(counted + ".extra.d/b.addon.efi", cmdline_addon("suffixed-dir-is-not-read"));
    const std::string vfat = make_sysroot({{"/proc/self/mountinfo",
                                            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                            "40 22 8:2 / " + esp + " rw,relatime - vfat /dev/sda2 rw\n"}});
    kx_assert_str(plan_args({"-l", counted}, vfat).load->boot.cmdline, "console=ttyS0 quiet counted");
    // Off an ESP the rule applies to the file's own name; a '+' in the ESP's
    // mount point is not part of what the stub sees.
    const std::string plus_dir = u.dir + "/mnt+1";
    const std::string on_plus = write_file(plus_dir + "/EFI/Linux/k+2.efi", read_file(u.path));
    u.addon(plus_dir + "/EFI/Linux/k.efi.extra.d/a.addon.efi", cmdline_addon("under-plus"));
    const std::string plus_esp = make_sysroot({{"/proc/self/mountinfo",
                                                "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                                "40 22 8:2 / " + plus_dir + " rw - vfat /dev/sda2 rw\n"}});
    kx_assert_str(plan_args({"-l", on_plus}, plus_esp).load->boot.cmdline, "console=ttyS0 quiet under-plus");
    kx_assert_str(plan_args({"-l", on_plus}).load->boot.cmdline, "console=ttyS0 quiet under-plus");
}

// An addon with nothing that applies (only .splash) is skipped, as
// systemd-stub skips it ("No applicable ... sections found"), and the
// loader's decision is the inspector's: the dry run's note and --uki-info's
// list of skipped addons say the same.
Test(uki_addons, an_addon_with_nothing_to_apply_is_listed_as_skipped) {
    for (UkiStyle style : {UkiStyle::Ukify254, UkiStyle::Ukify262}) {
        SimpleUki u(style);
        UkiSpec splash;
        splash.splash = "BM-not-much-of-a-picture";
        const std::string addon = u.addon(u.path + ".extra.d/splash.addon.efi", splash);
        Invocation inv = plan_args({"-l", u.path});
        kx_assert_str(inv.load->boot.cmdline, "console=ttyS0 quiet");
        bool noted = false;
        for (const auto& n : inv.load->notes)
            noted = noted || contains(n, "skipped per-UKI addon " + addon + ": has no .cmdline, .initrd, .ucode or "
                                                                           ".dtb: nothing to apply");
        cr_assert(noted, "%s: the plan notes the skip", style_name(style));
        RunResult json = run_kexec({"--uki-info", "--json", u.path}, nullptr);
        cr_assert_eq(json.rc, 0, "%s", json.err.c_str());
        cr_assert(contains(json.out, "\"applied\": false,\n      \"skipped_because\": \"" + addon +
                                         ": has no .cmdline, .initrd, .ucode or .dtb: nothing to apply\""),
                  "%s: %s", style_name(style), json.out.c_str());
    }
}

ADDONS_TEST(uki_addons, global_addons_only_on_an_esp) {
    SimpleUki u(style);
    std::string esp = u.dir + "/esp";
    std::string path = write_file(esp + "/EFI/Linux/k.efi", read_file(u.path));
    u.addon(esp + "/loader/addons/g.addon.efi", cmdline_addon("global"));
    u.addon(path + ".extra.d/l.addon.efi", cmdline_addon("local"));
    std::string vfat = make_sysroot({{"/proc/self/mountinfo",
                                      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                      "40 22 8:2 / " + esp + " rw,relatime - vfat /dev/sda2 rw\n"}});
    Invocation inv = plan_args({"-l", path}, vfat);
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "console=ttyS0 quiet global local", "global first, then per-UKI");
    std::string ext4 = make_sysroot({{"/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"}});
    Invocation not_esp = plan_args({"-l", path}, ext4);
    cr_assert_str_eq(not_esp.load->boot.cmdline.c_str(), "console=ttyS0 quiet local");
}

UKI_TEST(uki_sidecars, credentials_and_extensions_become_extra_archives) {
    SimpleUki u(style);
    write_file(u.path + ".extra.d/secret.cred", "CRED");
    write_file(u.path + ".extra.d/tools.sysext.raw", "SYSEXT");
    write_file(u.path + ".extra.d/legacy.raw", "LEGACY");
    write_file(u.path + ".extra.d/etc.confext.raw", "CONFEXT");
    Invocation inv = plan_args({"-l", u.path});
    std::string initrd = inv.load->boot.initrd->bytes_copy();
    size_t creds = initrd.find(".extra/credentials/secret.cred");
    size_t sysext = initrd.find(".extra/sysext/tools.sysext.raw");
    size_t legacy = initrd.find(".extra/sysext/legacy.raw");
    cr_assert(creds != std::string::npos && sysext != std::string::npos && legacy != std::string::npos);
    cr_assert(creds < sysext && legacy < sysext, "the stub's order");
    // Confexts came with 256's stub; before, its "*.raw" took them for
    // sysexts. /.extra/os-release came with 257.
    if (stub_release(style) < 256) {
        size_t as_sysext = initrd.find(".extra/sysext/etc.confext.raw");
        cr_assert(as_sysext != std::string::npos && as_sysext < legacy, "%s: a sysext, in name order",
                  style_name(style));
        cr_assert(initrd.find(".extra/confext") == std::string::npos);
        cr_assert(initrd.find(".extra/os-release") == std::string::npos);
        return;
    }
    size_t confext = initrd.find(".extra/confext/etc.confext.raw");
    cr_assert(confext != std::string::npos && sysext < confext, "%s", style_name(style));
    cr_assert(initrd.find(".extra/sysext/etc.confext.raw") == std::string::npos, "confext is not a sysext");
    size_t osrel = initrd.find(".extra/os-release");
    cr_assert_eq(osrel != std::string::npos, stub_release(style) >= 257, "%s", style_name(style));
    cr_assert(osrel == std::string::npos || confext < osrel, "the stub's order");
}

UKI_TEST(uki_sidecars, pcr_files_and_osrel) {
    SimpleUki u(style);
    UkiSpec spec;
    spec.osrel = kOsrel;
    spec.extra = {section(".pcrsig", "{\"sig\":1}")};  // ukify adds it after measuring; order is the stub's
    spec.pcrpkey = "-----BEGIN PUBLIC KEY-----";
    spec.linux_image = u.kernel;
    std::string path = u.another("pcr.efi", spec);
    Invocation inv = plan_args({"-l", path});
    std::string initrd = inv.load->boot.initrd->bytes_copy();
    // .pcrsig and .pcrpkey as /.extra files since 252; .osrel since 257.
    std::string expected = extra_cpio("tpm2-pcr-signature.json", "{\"sig\":1}") +
                           extra_cpio("tpm2-pcr-public-key.pem", "-----BEGIN PUBLIC KEY-----") +
                           (stub_release(style) >= 257 ? extra_cpio("os-release", kOsrel) : "");
    cr_assert_eq(initrd, expected, "%s", style_name(style));
}

// --- cpio ------------------------------------------------------------------

Test(cpio, writer_matches_gnu_cpio) {
    cr_assert(have_tool("cpio"), "GNU cpio is needed (apt-get install cpio)");
    uki::CpioWriter w;
    w.add_directory(".extra/credentials", 0500);
    cr_assert(w.add_file(".extra/credentials/a.cred", 0400, Payload::generated("a", "alpha")).ok());
    cr_assert(w.add_file(".extra/credentials/b.cred", 0400, Payload::generated("b", std::string(1001, 'b'))).ok());
    std::string archive = w.finish().bytes_copy();
    cr_assert_eq(archive.size() % 4, 0u);
    std::string listing = cpio_listing(archive);
    cr_assert(contains(listing, "dr-xr-xr-x .extra\n"), "leading directories 0555: %s", listing.c_str());
    cr_assert(contains(listing, "dr-x------ .extra/credentials\n"), "%s", listing.c_str());
    cr_assert(contains(listing, "-r-------- .extra/credentials/a.cred\n"), "%s", listing.c_str());
    cr_assert(contains(listing, "-r-------- .extra/credentials/b.cred\n"), "%s", listing.c_str());
    const std::string a = cpio_extract(archive, ".extra/credentials/a.cred");
    const std::string b = cpio_extract(archive, ".extra/credentials/b.cred");
    cr_assert_str_eq(a.c_str(), "alpha");
    cr_assert(b == std::string(1001, 'b'));
}

// Every archive the stub would generate, read back with GNU cpio: its
// leading /.extra 0555 (pack_cpio_prefix()), then the target directory and
// files with the modes stub.c passes to pack_cpio()/pack_cpio_literal(), each
// entry with one link. One UKI per kind, so each combination stands alone:
// a UKI with only credentials must still get /.extra 0555, not 0500.
Test(cpio, generated_archives_have_the_stubs_modes) {
    const std::string kernel = make_efi_bzimage(odd_kernel());
    struct Kind {
        const char* name;
        std::function<void(UkiSpec&, const std::string& uki, const std::string& esp)> add;
        std::string listing;  // cpio -itv: mode, links, name
    };
    const std::string dirs = "dr-xr-xr-x 1 .extra\n";
    const std::vector<Kind> kinds = {
        {"credential", [](UkiSpec&, const std::string& uki, const std::string&) { write_file(uki + ".extra.d/a.cred", "C"); },
         dirs + "dr-x------ 1 .extra/credentials\n-r-------- 1 .extra/credentials/a.cred\n"},
        {"global credential", [](UkiSpec&, const std::string&, const std::string& esp) { write_file(esp + "/loader/credentials/g.cred", "G"); },
         dirs + "dr-x------ 1 .extra/global_credentials\n-r-------- 1 .extra/global_credentials/g.cred\n"},
        {"sysext", [](UkiSpec&, const std::string& uki, const std::string&) { write_file(uki + ".extra.d/s.sysext.raw", "S"); },
         dirs + "dr-xr-xr-x 1 .extra/sysext\n-r--r--r-- 1 .extra/sysext/s.sysext.raw\n"},
        {"global sysext", [](UkiSpec&, const std::string&, const std::string& esp) { write_file(esp + "/loader/extensions/g.raw", "S"); },
         dirs + "dr-xr-xr-x 1 .extra/global_sysext\n-r--r--r-- 1 .extra/global_sysext/g.raw\n"},
        {"confext", [](UkiSpec&, const std::string& uki, const std::string&) { write_file(uki + ".extra.d/c.confext.raw", "C"); },
         dirs + "dr-xr-xr-x 1 .extra/confext\n-r--r--r-- 1 .extra/confext/c.confext.raw\n"},
        {"global confext", [](UkiSpec&, const std::string&, const std::string& esp) { write_file(esp + "/loader/extensions/g.confext.raw", "C"); },
         dirs + "dr-xr-xr-x 1 .extra/global_confext\n-r--r--r-- 1 .extra/global_confext/g.confext.raw\n"},
        {".osrel", [](UkiSpec& s, const std::string&, const std::string&) { s.osrel = kOsrel; },
         dirs + "-r--r--r-- 1 .extra/os-release\n"},
        {".pcrsig", [](UkiSpec& s, const std::string&, const std::string&) { s.extra = {section(".pcrsig", "{}")}; },
         dirs + "-r--r--r-- 1 .extra/tpm2-pcr-signature.json\n"},
        {".pcrpkey", [](UkiSpec& s, const std::string&, const std::string&) { s.pcrpkey = "KEY"; },
         dirs + "-r--r--r-- 1 .extra/tpm2-pcr-public-key.pem\n"},
    };
    for (const Kind& kind : kinds) {
        const std::string dir = scratch_dir(), esp = dir + "/esp", uki = esp + "/EFI/Linux/k.efi";
        UkiSpec spec;
        spec.linux_image = kernel;  // no .initrd, no .ucode: the initrd is only what is generated
        kind.add(spec, uki, esp);
        write_file(uki, build_uki(UkiStyle::Ukify262, spec));  // global extensions: 258's stub
        const std::string vfat = make_sysroot({{"/proc/self/mountinfo",
                                                "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                                "40 22 8:2 / " + esp + " rw - vfat /dev/sda2 rw\n"}});
        Invocation inv = plan_args({"-l", uki}, vfat);
        cr_assert(inv.load->boot.initrd, "%s: no initrd", kind.name);
        const std::string archive = inv.load->boot.initrd->bytes_copy();
        write_file(dir + "/a.cpio", archive);
        const std::string listing =
            shell_output("cd '" + dir + "' && cpio -itv --quiet < a.cpio 2>&1 | awk '{print $1, $2, $NF}'");
        kx_assert_str(listing, kind.listing);
        cr_assert(contains(archive, "0000000B00000000TRAILER!!!"), "%s: the stub's trailer literal", kind.name);
        cr_assert(contains(archive, "070701000000010000416d"), "%s: /.extra first, mode 040555 in lower-case hex",
                  kind.name);
    }
}

STUB257_TEST(cpio, assembled_extra_archive_reads_back) {
    SimpleUki u(style);
    Invocation inv = plan_args({"-l", u.path});
    std::string initrd = inv.load->boot.initrd->bytes_copy();
    std::string extra = initrd.substr(pad4(u.ucode).size() + pad4(u.initrd).size());
    const std::string osrel = cpio_extract(extra, ".extra/os-release");
    cr_assert_str_eq(osrel.c_str(), kOsrel.c_str());
}

Test(uki, type_uki_forces_the_reader) {
    std::string dir = scratch_dir();
    PeSpec spec;
    spec.sections = {section(".text", "x"), section(".sbat", "sbat,1\n")};
    std::string pe = write_file(dir + "/app.efi", make_pe(spec));
    RecordingBackend rec;
    RunResult plain = run_kexec({"-l", pe}, &rec);
    cr_assert(contains(plain.err, "cannot determine the file type"), "%s", plain.err.c_str());
    RunResult forced = run_kexec({"-l", "-t", "uki", pe}, &rec);
    kx_assert_str(forced.err, "kexec: " + pe + ": no .linux section (or it is empty): not a UKI\n");
    cr_assert(rec.calls.empty());
}

// What lies beside a UKI is trusted only when nobody but root could have put
// it there (trusted_dir.hpp). The attacks below are the ones found against
// the old stat()-then-open() discovery: as `nobody`, plant an addon that
// opens a root shell and a credential that is a symlink to a secret.
namespace {

constexpr uid_t kNobody = 65534;


// The boot the planted files aim at must not happen: no shell on the
// command line, the secret nowhere in the initrd.
void assert_nothing_planted_got_in(const Invocation& inv, const std::string& secret) {
    cr_assert(!contains(inv.load->boot.cmdline, "init=/bin/sh"), "%s", inv.load->boot.cmdline.c_str());
    if (inv.load->boot.initrd && !secret.empty())
        cr_assert(!contains(inv.load->boot.initrd->bytes_copy(), secret), "the secret went into the initrd");
}

}  // namespace

Test(sidecar_trust, a_directory_planted_by_another_user_in_a_sticky_directory_is_ignored) {
    if (geteuid() != 0)
        cr_skip_test("needs root to plant files as another user");
    SimpleUki u(UkiStyle::Ukify254);
    const std::string secret = "SECRET-" + std::to_string(getpid());
    const std::string secret_file = write_file(u.dir + "/shadow", secret);
    const std::string sticky = u.dir + "/sticky";
    cr_assert_eq(mkdir(sticky.c_str(), 0777), 0);
    cr_assert_eq(chmod(sticky.c_str(), 01777), 0);
    const std::string uki = write_file(sticky + "/root.efi", read_file(u.path));
    const std::string extra = uki + ".extra.d";
    u.addon(extra + "/evil.addon.efi", cmdline_addon("init=/bin/sh rd.break"));
    cr_assert_eq(symlink(secret_file.c_str(), (extra + "/s.cred").c_str()), 0);
    cr_assert_eq(run_shell("chown -hR " + std::to_string(kNobody) + " '" + extra + "'"), 0);
    Invocation inv = plan_args({"-s", "-l", uki});
    assert_nothing_planted_got_in(inv, secret);
    cr_assert(plan_note(inv, "ignored " + extra + ": " + extra + ": owned by uid 65534, not root"), "%s",
              all_notes(inv).c_str());
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "console=ttyS0 quiet");
}

Test(sidecar_trust, links_fifos_and_files_others_can_write_are_skipped) {
    SimpleUki u(UkiStyle::Ukify254);
    const std::string secret = "SECRET-" + std::to_string(getpid());
    const std::string secret_file = write_file(u.dir + "/shadow", secret);
    const std::string extra = u.path + ".extra.d";
    u.addon(extra + "/good.addon.efi", cmdline_addon("good=1"));
    u.addon(extra + "/loose.addon.efi", cmdline_addon("init=/bin/sh"));
    cr_assert_eq(chmod((extra + "/loose.addon.efi").c_str(), 0666), 0);
    cr_assert_eq(symlink(secret_file.c_str(), (extra + "/s.cred").c_str()), 0);
    cr_assert_eq(mkfifo((extra + "/pipe.cred").c_str(), 0600), 0);  // opening it must not block us
    write_file(extra + "/ok.cred", "OK-CRED");
    Invocation inv = plan_args({"-l", u.path});
    assert_nothing_planted_got_in(inv, secret);
    cr_assert_str_eq(inv.load->boot.cmdline.c_str(), "console=ttyS0 quiet good=1");
    cr_assert(contains(inv.load->boot.initrd->bytes_copy(), "OK-CRED"), "a trusted credential is still packed");
    for (const char* expected : {"/loose.addon.efi: writable by everyone", "/s.cred: a symbolic link",
                                 "/pipe.cred: a FIFO"})
        cr_assert(plan_note(inv, "skipped " + extra + expected), "%s: %s", expected, all_notes(inv).c_str());
}

Test(sidecar_trust, a_directory_others_can_write_is_ignored_whole) {
    SimpleUki u(UkiStyle::Objcopy);
    const std::string extra = u.path + ".extra.d";
    u.addon(extra + "/a.addon.efi", cmdline_addon("init=/bin/sh"));
    cr_assert_eq(chmod(extra.c_str(), 0777), 0);  // not sticky: anyone could have replaced a.addon.efi
    Invocation inv = plan_args({"-l", u.path});
    assert_nothing_planted_got_in(inv, "");
    cr_assert(plan_note(inv, "ignored " + extra + ": " + extra + ": writable by everyone"), "%s",
              all_notes(inv).c_str());
}

// On an ESP (a vfat mount by /proc/self/mountinfo) the stub reads
// loader/addons and loader/credentials; a symlinked directory there is not
// followed, whatever the mount table claims the file system is.
Test(sidecar_trust, symlinked_esp_directories_are_not_followed) {
    SimpleUki u(UkiStyle::Ukify252);
    const std::string secret = "SECRET-" + std::to_string(getpid());
    const std::string elsewhere = u.dir + "/elsewhere";
    write_file(elsewhere + "/creds/s.cred", secret);
    u.addon(elsewhere + "/addons/evil.addon.efi", cmdline_addon("init=/bin/sh"));
    const std::string esp = u.dir + "/esp";
    const std::string uki = write_file(esp + "/EFI/Linux/k.efi", read_file(u.path));
    cr_assert_eq(mkdir((esp + "/loader").c_str(), 0755), 0);
    cr_assert_eq(symlink((elsewhere + "/creds").c_str(), (esp + "/loader/credentials").c_str()), 0);
    cr_assert_eq(symlink((elsewhere + "/addons").c_str(), (esp + "/loader/addons").c_str()), 0);
    const std::string vfat = make_sysroot({{"/proc/self/mountinfo",
                                            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                            "40 22 8:2 / " + esp + " rw,relatime - vfat /dev/sda2 rw\n"}});
    Invocation inv = plan_args({"-l", uki}, vfat);
    assert_nothing_planted_got_in(inv, secret);
    cr_assert(plan_note(inv, "ignored " + esp + "/loader/credentials: " + esp +
                                 "/loader/credentials: not a directory, or a symbolic link"),
              "%s", all_notes(inv).c_str());
    cr_assert(plan_note(inv, "ignored " + esp + "/loader/addons: "), "%s", all_notes(inv).c_str());
}

// Where the stub would look beside a UKI is found from the file kexec has
// open, not from its name again: a link re-pointed after the open cannot
// pair this UKI with another's credentials, and a UKI renamed away is an
// error rather than a lookup beside whatever has its name now.
Test(sidecar_trust, sidecars_are_found_beside_the_file_that_was_opened) {
    SimpleUki u(UkiStyle::Ukify254);
    const std::string mine = write_file(u.dir + "/mine.efi", read_file(u.path));
    const std::string theirs = write_file(u.dir + "/theirs.efi", read_file(u.path));
    write_file(mine + ".extra.d/mine.cred", "MINE");
    write_file(theirs + ".extra.d/theirs.cred", "THEIRS");
    const std::string link = u.dir + "/current.efi";
    cr_assert_eq(symlink(mine.c_str(), link.c_str()), 0);
    auto opened = MappedFile::open(link);
    cr_assert(opened.ok());
    cr_assert_eq(unlink(link.c_str()), 0);
    cr_assert_eq(symlink(theirs.c_str(), link.c_str()), 0);  // re-pointed after the open
    const SystemView sys("/nonexistent-sysroot");
    auto places = uki::sidecar_places(**opened, sys);
    cr_assert(places.ok(), "%s", places.ok() ? "" : places.error().message.c_str());
    kx_assert_str(places->extra_dir.value_or("(none)"), mine + ".extra.d");

    // Through the whole load: the link is the name given, its target's directory is used.
    Invocation inv = plan_args({"-s", "-l", link});
    const std::string initrd = inv.load->boot.initrd->bytes_copy();
    cr_assert(contains(initrd, "THEIRS") && !contains(initrd, "MINE"));

    // Renamed since: the directory beside it where it lies now, as the stub
    // would find it there.
    const std::string moved = u.dir + "/moved.efi";
    cr_assert_eq(rename(mine.c_str(), moved.c_str()), 0);
    auto renamed = uki::sidecar_places(**opened, sys);
    cr_assert(renamed.ok(), "%s", renamed.ok() ? "" : renamed.error().message.c_str());
    kx_assert_str(renamed->extra_dir.value_or("(none)"), moved + ".extra.d");
    // Replaced by another file (renamed over it): no directory is this UKI's.
    const std::string other = write_file(u.dir + "/other.efi", read_file(u.path));
    cr_assert_eq(rename(other.c_str(), moved.c_str()), 0);
    auto replaced = uki::sidecar_places(**opened, sys);
    cr_assert(!replaced.ok(), "the name now leads to another file: its directory is not this UKI's");
    kx_assert_str(replaced.error().message,
                  link + ": was moved, removed or replaced while kexec read it: load it again");
}

// A sidecar file that is there but cannot be read stops the load: booting
// without it would boot a different set than the directory holds. Past
// what kexec can hold open at once, the error names the limit.
Test(sidecar_trust, sidecars_that_cannot_be_read_are_an_error_not_a_gap) {
    SimpleUki u(UkiStyle::Ukify254);
    const std::string extra = u.path + ".extra.d";
    for (int i = 0; i < 1100; i++)
        write_file(extra + "/c" + std::to_string(1000 + i) + ".cred", "CRED" + std::to_string(i));
    auto inv = plan_invocation(*parse_args({"-s", "-l", u.path}), SystemView("/nonexistent-sysroot"));
    cr_assert(!inv.ok(), "1100 credentials: a load without some of them went ahead");
    const std::string& why = inv.error().message;
    cr_assert(contains(why, extra + "/c") &&
                  (contains(why, "kexec reads at most 1024 files at once") || contains(why, "raise ulimit -n")),
              "%s", why.c_str());
}

// --- the stub the UKI carries ------------------------------------------------

// .sdmagic names the stub's release; a file that names none is booted as the
// newest stub would (every feature on).
Test(stub_rules, the_release_comes_from_sdmagic) {
    auto rules_of = [](std::vector<PeSection> sections) {
        const std::string bytes = make_pe(PeSpec{0x8664, std::move(sections), ""});
        auto pe = pe::PeFile::parse({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "stub.efi");
        cr_assert(pe.ok());
        return uki::StubRules::of(*pe);
    };
    const uki::StubRules v256 =
        rules_of({section(".text", "x"), section(".sdmagic", std::string("#### LoaderInfo: systemd-stub 256.7-2 ####") +
                                                                 '\0')});
    cr_assert_eq(v256.release().value_or(0), 256u);
    kx_assert_str(v256.identity(), "systemd-stub 256.7-2");
    cr_assert(v256.has(uki::StubFeature::Addons) && v256.has(uki::StubFeature::Ucode) &&
              v256.has(uki::StubFeature::Confext));
    cr_assert(!v256.has(uki::StubFeature::Profiles) && !v256.has(uki::StubFeature::AddonInitrdUcode) &&
              !v256.has(uki::StubFeature::ExtraOsRelease) && !v256.has(uki::StubFeature::GlobalExtensions));
    kx_assert_str(v256.lacks(uki::StubFeature::Profiles),
                  "its systemd-stub 256 does not know profiles (.profile sections, the \"@N\" prefix, "
                  "/.extra/profile) (systemd 257 added that)");
    for (const auto& none : {rules_of({section(".text", "x")}),
                             rules_of({section(".text", "x"), section(".sdmagic", "#### LoaderInfo: other 9 ####")}),
                             rules_of({section(".text", "x"), section(".sdmagic", "systemd-stub x")})}) {
        cr_assert(!none.release() && none.identity().empty());
        cr_assert(none.has(uki::StubFeature::Profiles) && none.has(uki::StubFeature::GlobalExtensions));
    }
}

// The same UKI and the same ESP, built on the 252, 254 and 257 stubs: each
// boots what its own stub would (NEWS: addons 254, .ucode 256, addons'
// .initrd/.ucode and /.extra/os-release 257), and -d, the dry run and
// --uki-info say what the older stubs leave out.
Test(stub_rules, each_stub_boots_what_it_would) {
    for (UkiStyle style : {UkiStyle::Ukify252, UkiStyle::Ukify254, UkiStyle::Ukify257}) {
        SimpleUki u(style);
        const unsigned release = stub_release(style);
        const std::string v = std::to_string(release);
        UkiSpec spec = cmdline_addon("addon=1");
        spec.initrds = {"ADDON-INITRD"};
        const std::string addon = u.addon(u.path + ".extra.d/a.addon.efi", spec);
        Invocation inv = plan_args({"-l", u.path});
        const std::string initrd = inv.load->boot.initrd->bytes_copy();
        cr_assert_eq(contains(initrd, u.ucode), release >= 256, "%s: .ucode", style_name(style));
        cr_assert_eq(contains(initrd, ".extra/os-release"), release >= 257, "%s: os-release", style_name(style));
        cr_assert_eq(contains(initrd, "ADDON-INITRD"), release >= 257, "%s: addon initrd", style_name(style));
        kx_assert_str(inv.load->boot.cmdline, release >= 254 ? "console=ttyS0 quiet addon=1" : "console=ttyS0 quiet");
        cr_assert_eq(plan_note(inv, ".ucode is left out: its systemd-stub " + v + " does not load a UKI's .ucode "
                                    "(systemd 256 added that)"),
                     release < 256, "%s: %s", style_name(style), all_notes(inv).c_str());
        cr_assert_eq(plan_note(inv, "no /.extra/os-release: its systemd-stub " + v), release < 257);
        cr_assert_eq(plan_note(inv, "skipped per-UKI addon " + addon + ": its systemd-stub 252 does not load addons "
                                    "(systemd 254 added that)"),
                     release < 254, "%s: %s", style_name(style), all_notes(inv).c_str());
        cr_assert_eq(plan_note(inv, "addon " + addon + ": its .initrd and .ucode are left out"),
                     release == 254, "%s: %s", style_name(style), all_notes(inv).c_str());

        RunResult debug = run_kexec({"-l", "--dry-run", u.path}, nullptr);
        cr_assert_eq(contains(debug.out, "note: .ucode is left out"), release < 256, "%s", debug.out.c_str());
        RunResult info = run_kexec({"--uki-info", "--json", u.path}, nullptr);
        cr_assert_eq(info.rc, 0, "%s", info.err.c_str());
        cr_assert(contains(info.out, "\"release\": " + v), "%s", info.out.c_str());
        cr_assert_eq(contains(info.out, "\"left_out\": []"), release >= 257, "%s", info.out.c_str());
        cr_assert_eq(contains(info.out, "\"skipped_because\": \"" + addon + ": its systemd-stub 252 does not load "
                                        "addons"), release < 254, "%s", info.out.c_str());
        RunResult text = run_kexec({"--uki-info", u.path}, nullptr);
        cr_assert(contains(text.out, "stub: systemd-stub " + v + "."), "%s", text.out.c_str());

        if (release < 254) {  // named on the command line: an error, not a quiet skip
            std::string e = plan_error({"-l", "--uki-addon=" + addon, u.path});
            kx_assert_str(e, "--uki-addon " + addon + ": its systemd-stub 252 does not load addons (systemd 254 "
                                                      "added that)");
        }
    }
}

// A stub before 257 takes "@N " as text and has no profile to select; on a
// multi-profile UKI it sees two .cmdline sections, which kexec refuses
// whichever way the profile is asked for.
Test(stub_rules, profiles_need_the_257_stub) {
    for (UkiStyle style : {UkiStyle::Ukify252, UkiStyle::Ukify254, UkiStyle::Ukify257}) {
        const std::string dir = scratch_dir();
        UkiSpec alt;
        alt.profile = "ID=alt\n";
        alt.cmdline = "alt-cmdline";
        UkiSpec base;
        base.cmdline = "base-cmdline";
        base.linux_image = make_efi_bzimage(odd_kernel());
        base.profile = "ID=main\n";
        base.join_profiles = {build_profile_pe(alt, style)};
        const std::string path = write_file(dir + "/two.efi", build_uki(style, base));
        if (stub_release(style) >= 257) {
            kx_assert_str(plan_args({"-l", "--uki-profile=alt", path}).load->boot.cmdline, "alt-cmdline");
            kx_assert_str(plan_args({"-l", "--append=@1", path}).load->boot.cmdline, "alt-cmdline");
            continue;
        }
        const std::string v = style_version(style);
        for (const std::string& e : {plan_error({"-l", path}), plan_error({"-l", "--uki-profile=alt", path})}) {
            cr_assert(starts_with(e, path + ": section .cmdline appears twice in the base profile (sections #"), "%s",
                      e.c_str());
            cr_assert(kx::ends_with(e, ") (its systemd-stub " + v + " does not know profiles (.profile sections, the "
                                   "\"@N\" prefix, /.extra/profile) (systemd 257 added that))"), "%s", e.c_str());
        }
    }
}
