// SPDX-License-Identifier: GPL-2.0-or-later
// --uki-info: sections, profiles, kernel facts, and Authenticode signers
// (signed with sbsign, unsigned, and modified after signing).
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "signing.hpp"
#include "uki_styles.hpp"

#include <cerrno>

using namespace kx;
using namespace kxt;

namespace {

// A signer with a subject of several parts, as a real one has (--uki-info
// prints it in RFC 2253 order), made here rather than taken from the host's
// OVMF package: Debian 13's snakeoil certificate has another subject.
struct Signer : Signing {
    std::string cert = dir + "/signer.pem";
    Signer() { key("signer", "-subj '/C=US/ST=Colorado/L=Fort Collins/O=Test Signer'"); }
    // Signs `in` into dir/`out`; returns that path.
    std::string sign(const std::string& in, const std::string& out) const {
        Signing::sign(in, "signer", out);
        return dir + "/" + out;
    }
};
constexpr const char* kSubject = "O=Test Signer,L=Fort Collins,ST=Colorado,C=US";

// The UKI these tests describe, built by `style`'s producer.
std::string info_uki(UkiStyle style, const std::string& dir, const std::string& kernel, const std::string& cmdline) {
    UkiSpec spec;
    spec.osrel = "PRETTY_NAME=\"Info Test 1\"\nVERSION_ID=1\n";
    spec.cmdline = cmdline;
    spec.linux_image = read_file(kernel);
    spec.initrds = {std::string(5000, 'i')};
    return write_file(dir + "/uki.efi", build_uki(style, spec));
}

}  // namespace

UKI_TEST(uki_info, unsigned_uki) {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/bz", make_bzimage());
    std::string uki = info_uki(style, dir, kernel, "console=ttyS0 root=/dev/vda1");
    RunResult r = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, ": Unified Kernel Image (PE32+, machine 0x8664 x86-64"), "%s", r.out.c_str());
    cr_assert(contains(r.out, sha256_hex(read_file(kernel))), "the .linux digest is the kernel file's");
    cr_assert(contains(r.out, "@0: \"console=ttyS0 root=/dev/vda1\""));
    cr_assert(contains(r.out, "PRETTY_NAME=\"Info Test 1\" VERSION_ID=\"1\""));
    cr_assert(contains(r.out, "boot protocol 2.15, version \"6.1.0-test (kexec-uki unit test)\""));
    cr_assert(contains(r.out, "cmdline_size 2047"));
    cr_assert(contains(r.out, "signature:\n  unsigned\n"), "%s", r.out.c_str());
    cr_assert(contains(r.out, ".sdmagic"), "unknown sections are shown");
    cr_assert(contains(r.out, "SBAT revocation metadata"));
}

UKI_TEST(uki_info, sbsign_shows_the_signer_and_digest) {
    Signer s;
    std::string kernel = write_file(s.dir + "/bz", make_efi_bzimage());
    std::string signed_kernel = s.sign(kernel, "bz.signed");
    std::string uki = info_uki(style, s.dir, signed_kernel, "quiet");
    std::string signed_uki = s.sign(uki, "signed.efi");
    RunResult r = run_kexec({"--uki-info", signed_uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, std::string("signature:\n  signature #1:\n    signer: ") + kSubject), "%s",
              r.out.c_str());
    cr_assert(contains(r.out, "sha256 digest: matches this file"), "%s", r.out.c_str());
    cr_assert(contains(r.out, std::string("kernel signature:\n    signature #1:\n      signer: ") + kSubject),
              "the embedded kernel's own signature is shown: %s", r.out.c_str());
    cr_assert_eq(run_shell("sbverify --cert " + s.cert + " '" + signed_uki + "' >/dev/null 2>&1"), 0,
                 "sbverify agrees the file is validly signed");

    // Flip one byte of the .initrd after signing: sbverify and we both notice.
    std::string bytes = read_file(signed_uki);
    size_t at = bytes.find(std::string(5000, 'i'));
    cr_assert(at != std::string::npos);
    bytes[at + 10] = 'X';
    std::string tampered = write_file(s.dir + "/tampered.efi", bytes);
    RunResult t = run_kexec({"--uki-info", tampered}, nullptr);
    cr_assert(contains(t.out, "DOES NOT match this file"), "%s", t.out.c_str());
    cr_assert_neq(run_shell("sbverify --cert " + s.cert + " '" + tampered + "' >/dev/null 2>&1"), 0);
}

UKI_TEST(uki_info, json_shape) {
    Signer s;
    std::string kernel = write_file(s.dir + "/bz", make_bzimage());
    std::string uki = s.sign(info_uki(style, s.dir, kernel, "quiet"), "signed.efi");
    RunResult r = run_kexec({"--uki-info", uki, "--json"}, nullptr);
    cr_assert_eq(r.rc, 0);
    for (const char* key : {"\"format\": \"kexec-uki-info/1\"", "\"kind\": \"uki\"", "\"machine\": 34404",
                            "\"name\": \".linux\"", "\"cmdline\": \"quiet\"", "\"PRETTY_NAME\": \"Info Test 1\"",
                            "\"protocol\": \"2.15\"", "\"cmdline_size\": 2047", "\"digest_matches\": true",
                            "\"subject\": \"O=Test Signer,L=Fort Collins,ST=Colorado,C=US\""})
        cr_expect(contains(r.out, key), "missing %s", key);
    if (have_tool("python3")) {
        std::string f = write_file(s.dir + "/info.json", r.out);
        cr_assert_eq(run_shell("python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '" + f + "'"), 0,
                     "valid JSON");
    }
}

// The file may be --uki-info's value or the operand, and --json may come
// first: "kexec --uki-info --json foo.efi" once read "--json" as the file.
Test(uki_info, file_and_json_in_any_order) {
    std::string dir = scratch_dir();
    PeSpec addon;
    addon.sections = {section(".text", "x"), section(".cmdline", "addon=1")};
    std::string a = write_file(dir + "/a.addon.efi", make_pe(addon));
    for (std::vector<std::string> args : {std::vector<std::string>{"--uki-info", "--json", a},
                                          {"--uki-info=" + a, "--json"}, {"--json", "--uki-info", a},
                                          {"--uki-info", a, "--json"}}) {
        RunResult r = run_kexec(args, nullptr);
        cr_assert_eq(r.rc, 0, "%s: %s", args[1].c_str(), r.err.c_str());
        cr_assert(contains(r.out, "\"kind\": \"addon\""), "%s", r.out.c_str());
    }
    RunResult text = run_kexec({"--uki-info", a}, nullptr);
    cr_assert(text.rc == 0 && contains(text.out, ": UKI addon ("), "%s", text.out.c_str());
    RunResult none = run_kexec({"--uki-info", "--json"}, nullptr);
    cr_assert_eq(none.rc, 1);
    kx_assert_str(none.err, "kexec: --uki-info needs a UKI or addon file\n");
    RunResult two = run_kexec({"--uki-info=" + a, a}, nullptr);
    cr_assert_eq(two.rc, 1);
    cr_assert(contains(two.err, "name two files; give one"), "%s", two.err.c_str());
}

Test(uki_info, addons_and_profiles) {
    std::string dir = scratch_dir();
    PeSpec addon;
    addon.sections = {section(".text", "x"), section(".cmdline", "addon=1")};
    std::string a = write_file(dir + "/a.addon.efi", make_pe(addon));
    RunResult r = run_kexec({"--uki-info", a}, nullptr);
    cr_assert_eq(r.rc, 0);
    cr_assert(contains(r.out, ": UKI addon ("), "%s", r.out.c_str());
    std::string multi = write_file(dir + "/m.efi", make_stub_pe({section(".linux", make_bzimage()), section(".cmdline", "b"),
                                                             section(".profile", "ID=x\nTITLE=Ex"),
                                                             section(".profile", "ID=y"), section(".cmdline", "why")}));
    RunResult m = run_kexec({"--uki-info", multi}, nullptr);
    cr_assert(contains(m.out, "  @0 ID=x TITLE=\"Ex\"\n    overrides: nothing\n"), "%s", m.out.c_str());
    cr_assert(contains(m.out, "  @1 ID=y\n    overrides: .cmdline\n"), "%s", m.out.c_str());
    cr_assert(contains(m.out, "@1: \"why\""));
}

Test(uki_info, not_a_pe_file) {
    std::string dir = scratch_dir();
    std::string f = write_file(dir + "/bz", make_bzimage());
    RunResult r = run_kexec({"--uki-info", f}, nullptr);
    cr_assert_eq(r.rc, 1);
    kx_assert_str(r.err, "kexec: " + f + ": not a PE file, so not a UKI or addon\n");
}

// Issue acceptance: kexec -l --dry-run on an objcopy-built UKI plans kernel
// bytes identical to the bzImage put in (objcopy pads SizeOfRawData to the
// file alignment; using it would corrupt the kernel), the initrd as the
// expected concatenation, and the UKI's command line.
UKI_TEST(uki_info, dry_run_is_byte_exact) {
    std::string dir = scratch_dir();
    BzImageSpec odd;
    odd.size = 70001;  // not a multiple of the 0x200 file alignment
    std::string kernel_bytes = make_bzimage(odd);
    std::string kernel = write_file(dir + "/bz", kernel_bytes);
    std::string uki = info_uki(style, dir, kernel, "console=ttyS0 root=/dev/vda1");
    RunResult r = run_kexec({"-l", "--dry-run=json", uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, "\"sha256\": \"" + sha256_hex(kernel_bytes) + "\""), "kernel digest");
    cr_assert(contains(r.out, "\"size\": 70001"), "kernel size is VirtualSize");
    // .initrd (5000 bytes, already 4-aligned) then /.extra/os-release.
    std::string osrel = read_file(dir + "/osrel");
    cr_assert(contains(r.out, "\"cmdline\": \"console=ttyS0 root=/dev/vda1\""));
    RecordingBackend rec;
    rec.results = {ENOEXEC, 0};
    rec.keep_bytes = true;
    RunResult l = run_kexec({"-s", "-l", uki}, &rec);
    cr_assert_eq(l.rc, 0, "%s", l.err.c_str());
    cr_assert(rec.kept_kernels[1] == kernel_bytes, "the split kernel memfd holds the bzImage exactly");
    const std::string& initrd = rec.kept_initrds[1];
    cr_assert(initrd.substr(0, 5000) == std::string(5000, 'i'), "the .initrd comes first");
    // .osrel is passed as /.extra/os-release by 257's stub and later.
    cr_assert_eq(contains(initrd.substr(5000), ".extra/os-release"), stub_release(style) >= 257, "%s",
                 style_name(style));
    if (stub_release(style) >= 257)
        cr_assert(contains(initrd.substr(5000), osrel));
    else
        cr_assert_eq(initrd.size(), 5000u, "%s: the .initrd alone", style_name(style));
}

// Two sections of one kind in a profile: loading refuses the file (which one
// counts is an accident of table order), but --uki-info describes it as
// systemd-stub would read it (the first one; pe_locate_sections() in
// systemd's src/boot/pe.c keeps the first match) and says why it is refused.
Test(uki_info, a_duplicate_section_is_described_and_its_refusal_given) {
    const std::string dir = scratch_dir();
    const std::string uki = write_file(dir + "/dup.efi", make_stub_pe({section(".linux", make_bzimage()),
                                                                        section(".cmdline", "first"),
                                                                        section(".cmdline", "second")}));
    RunResult text = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(text.rc, 0, "%s", text.err.c_str());
    cr_assert(contains(text.out, "section .cmdline appears twice in the base profile (sections #2 and #3): kexec "
                                 "refuses to load it"),
              "%s", text.out.c_str());
    cr_assert(contains(text.out, "@0: \"first\""), "the stub's reading: %s", text.out.c_str());
    RunResult json = run_kexec({"--uki-info", "--json", uki}, nullptr);
    cr_assert_eq(json.rc, 0, "%s", json.err.c_str());
    cr_assert(contains(json.out, "\"bootable\": false"), "%s", json.out.c_str());
    cr_assert(contains(json.out, "appears twice"), "%s", json.out.c_str());
    RunResult load = run_kexec({"-l", "--dry-run", uki}, nullptr);
    cr_assert_neq(load.rc, 0);
    cr_assert(contains(load.err, uki + ": section .cmdline appears twice in the base profile"), "%s", load.err.c_str());
}

// dracut 059 asks objcopy for section addresses below systemd 254's image
// base; objcopy warns ("section below image base") and writes wrapped
// VirtualAddresses far past SizeOfImage. EDK2's PE loader refuses such an
// image (PeCoffLoaderLoadImage(): IMAGE_ERROR_SECTION_NOT_LOADED), so no
// firmware starts it. --uki-info says so; kexec loads it (reading sections
// from the file) and notes it.
Test(uki_info, an_image_firmware_would_not_load_is_reported) {
    const std::string dir = scratch_dir();
    write_file(dir + "/cmdline", "console=ttyS0");
    write_file(dir + "/k", make_efi_bzimage());
    const std::string uki = dir + "/dracut.efi";
    cr_assert_eq(run_shell("objcopy --add-section .cmdline='" + dir + "/cmdline' --change-section-vma .cmdline=0x30000 "
                           "--add-section .linux='" + dir + "/k' --change-section-vma .linux=0x2000000 '" +
                           stub_path(UkiStyle::Ukify254) + "' '" + uki + "' 2>/dev/null"),
                 0);
    RunResult text = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(text.rc, 0, "%s", text.err.c_str());
    cr_assert(contains(text.out, "firmware: would not start it: section .cmdline (VirtualAddress 0x"), "%s",
              text.out.c_str());
    cr_assert(contains(text.out, "lies outside the image's SizeOfImage"), "%s", text.out.c_str());
    RunResult json = run_kexec({"--uki-info", "--json", uki}, nullptr);
    cr_assert(contains(json.out, "\"firmware_refusal\": \"section .cmdline"), "%s", json.out.c_str());
    RunResult load = run_kexec({"-l", "--dry-run", uki}, nullptr);
    cr_assert_eq(load.rc, 0, "%s", load.err.c_str());
    cr_assert(contains(load.out, "UEFI firmware refuses to load it, so its systemd-stub never runs; kexec loads it "
                                 "all the same"),
              "%s", load.out.c_str());
    // A UKI laid out inside its image has no such line.
    UkiSpec spec;
    spec.linux_image = make_efi_bzimage();
    const std::string good = write_file(dir + "/good.efi", build_uki(UkiStyle::Objcopy, spec));
    cr_assert(!contains(run_kexec({"--uki-info", good}, nullptr).out, "firmware:"));
    cr_assert(contains(run_kexec({"--uki-info", "--json", good}, nullptr).out, "\"firmware_refusal\": null"));
}
