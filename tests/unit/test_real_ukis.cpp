// SPDX-License-Identifier: GPL-2.0-or-later
// UKIs as systemd's ukify and objcopy/dracut lay them out: the generator
// follows ukify's rules (checked here against the real stubs), and kexec
// reads, loads and describes what they make: .linux with VirtualSize >
// SizeOfRawData, .sbat grown over .sdmagic, a signed kernel padded to the
// file alignment, stale addons beside the UKI.
#include <criterion/criterion.h>

#include "arch/x86_64/setup_header_layout.hpp"
#include "helpers.hpp"
#include "pe/authenticode.hpp"
#include "pe/pe_file.hpp"
#include "plan/planner.hpp"
#include "base/sha256.hpp"
#include "base/strings.hpp"
#include "uki/uki.hpp"
#include "uki_styles.hpp"

using namespace kx;
using namespace kxt;

namespace {

pe::PeFile parse_pe(const std::string& bytes) {
    auto pe = pe::PeFile::parse(span_of(bytes), "test.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    return std::move(pe).value();
}

uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

namespace P = kx::pe::layout;
uint32_t coff_offset(const std::string& pe) { return peek32(pe, P::dos::kLfanew) + P::kSignatureSize; }
uint32_t section_alignment(const std::string& pe) {
    return peek32(pe, coff_offset(pe) + P::coff::kSize + P::opt::kSectionAlignment);
}
uint32_t pointer_to_symbol_table(const std::string& pe) {
    return peek32(pe, coff_offset(pe) + P::coff::kPointerToSymbolTable);
}

BzImageSpec odd_kernel() {
    BzImageSpec spec;
    spec.size = 70001;  // not a multiple of the 0x200 file alignment
    return spec;
}

UkiSpec typical_uki(const std::string& kernel) {
    UkiSpec spec;
    spec.osrel = "ID=test\nPRETTY_NAME=\"Real UKI\"\n";
    spec.cmdline = "console=ttyS0 quiet";
    spec.uname = "6.1.0-test";
    spec.linux_image = kernel;
    spec.initrds = {std::string(3000, 'I')};
    spec.ucode = std::string(100, 'U');
    return spec;
}

Result<Invocation> plan(std::vector<std::string> args, const std::string& sysroot = "/nonexistent-sysroot") {
    auto o = parse_args(std::move(args));
    cr_assert(o.ok(), "%s", o.ok() ? "" : o.error().message.c_str());
    return plan_invocation(*o, SystemView(sysroot));
}

bool has_note(const LoadPlan& l, const std::string& fragment) {
    for (const auto& n : l.notes)
        if (contains(n, fragment))
            return true;
    return false;
}

}  // namespace

// --- the generator follows ukify's rules on the real stubs ------------------

REPRODUCED_UKIFY_TEST(ukify_layout, sections_appended_as_ukify_does) {
    const std::string kernel = make_efi_bzimage(odd_kernel());
    const std::string uki = build_uki(style, typical_uki(kernel));
    const std::string stub = read_file(stub_path(style));
    pe::PeFile pe = parse_pe(uki), stub_pe = parse_pe(stub);
    const auto& s = pe.sections();
    const size_t n_stub = stub_pe.sections().size();
    cr_assert_eq(s.size(), n_stub + 6, ".osrel .cmdline .uname .initrd .ucode .linux appended; .sbat swapped in");
    const char* order[] = {".osrel", ".cmdline", ".uname", ".initrd", ".ucode", ".linux"};
    const uint32_t sa = section_alignment(uki);
    for (size_t i = 0; i < 6; i++) {
        const pe::Section& cur = s[n_stub + i];
        const pe::Section& prev = s[n_stub + i - 1];
        kx_assert_str(cur.name, order[i]);
        cr_assert_eq(cur.virtual_address, round_up(uint64_t{prev.virtual_address} + prev.virtual_size, sa),
                     "%s: VirtualAddress = round_up(previous VA + VirtualSize, SectionAlignment)", order[i]);
        cr_assert_eq(cur.size_of_raw_data % 0x200, 0u, "raw data padded to FileAlignment");
    }
    const pe::Section* linux_section = pe.find_section(".linux");
    const uint32_t kernel_size_of_image = parse_pe(kernel).size_of_image();
    cr_assert_eq(linux_section->virtual_size, kernel_size_of_image, ".linux VirtualSize is the kernel's SizeOfImage");
    cr_assert_eq(linux_section->size_of_raw_data, round_up(kernel.size(), 0x200));
    cr_assert_gt(linux_section->virtual_size, linux_section->size_of_raw_data, "the shape kexec used to refuse");
    cr_assert_eq(pe.size_of_headers(), stub_pe.size_of_headers(), "SizeOfHeaders only rounded to FileAlignment");
    cr_assert_eq(pointer_to_symbol_table(uki), 0u, "the stub's symbol table is stripped");
}

// With Debian 12's stub, the merged SBAT text is swapped into the stub's own
// .sbat (raw size 0x200) and its VirtualSize grows over .sdmagic at 0x19100.
Test(ukify_layout, sbat_swapped_into_the_252_stub_overlaps_sdmagic) {
    const std::string uki = build_uki(UkiStyle::Ukify252, typical_uki(make_efi_bzimage(odd_kernel())));
    pe::PeFile pe = parse_pe(uki);
    const pe::Section* sbat = pe.find_section(".sbat");
    const pe::Section* sdmagic = pe.find_section(".sdmagic");
    cr_assert(sbat && sdmagic);
    cr_assert_eq(sbat->index, 6u, "still the stub's section, not a new one");
    cr_assert_gt(uint64_t{sbat->virtual_address} + sbat->virtual_size, sdmagic->virtual_address,
                 "overlaps .sdmagic in memory");
    const std::string text(reinterpret_cast<const char*>(pe.section_bytes(*sbat).value().data()), sbat->file_size());
    cr_assert(starts_with(text, "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
                                "systemd,1,The systemd Developers,systemd,252,"),
              "%s", text.c_str());
    cr_assert(contains(text, "\nuki,1,UKI,uki,1,"), "%s", text.c_str());
}

// The 252 stub's 0x400-byte header holds 15 section headers: 7 more than its
// own. With .splash and .pcrpkey, .linux would be the eighth and ukify
// refuses it; the 254 stub (6 own, 17 in all) takes them all.
Test(ukify_layout, the_252_stub_runs_out_of_header_room) {
    UkiSpec spec = typical_uki(make_efi_bzimage(odd_kernel()));
    spec.splash = "BM";
    spec.pcrpkey = "-----BEGIN PUBLIC KEY-----";
    std::string error;
    std::string out = ukify_build(read_file(stub_path(UkiStyle::Ukify252)), spec, error);
    cr_assert(out.empty());
    kx_assert_str(error, "Not enough header space to add section .linux.");
    out = ukify_build(read_file(stub_path(UkiStyle::Ukify254)), spec, error);
    cr_assert(error.empty() && !out.empty(), "%s", error.c_str());
}

// --- reading what they make --------------------------------------------------

// The kernel handed on is the embedded kernel's exact signed file, not the
// section's min(VirtualSize, SizeOfRawData) bytes (kernel + zero padding),
// so its Authenticode digest still matches: Linux's verify_pefile would
// otherwise fail it with EKEYREJECTED.
UKI_TEST(real_ukis, signed_kernel_is_loaded_exactly_as_signed) {
    const std::string dir = scratch_dir();
    const std::string kernel = signed_efi_bzimage(odd_kernel());
    cr_assert_neq(kernel.size() % 0x200, 0u, "the test needs padding after the kernel");
    const std::string uki = write_file(dir + "/signed-kernel.efi", build_uki(style, typical_uki(kernel)));

    auto inv = plan({"-s", "-l", uki});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    const std::string planned = inv->load->boot.kernel.bytes_copy();
    cr_assert_eq(planned.size(), kernel.size());
    cr_assert(planned == kernel, "the planned kernel is the signed file, byte for byte");
    auto sigs = pe::read_signatures(parse_pe(planned));
    cr_assert_eq(sigs.size(), 1u);
    cr_assert(sigs[0].digest_matches && *sigs[0].digest_matches, "its Authenticode digest matches the signed one");
    cr_assert_eq(inv->load->file_calls[1].kernel.size(), kernel.size(), "the split kexec_file_load call gets it");
    // ukify's layout reproduced for 252/254 pads .linux to the file alignment
    // (VirtualSize = SizeOfImage); objcopy and the real ukify 257/262 give it
    // the kernel's exact size.
    const std::string uki_bytes = read_file(uki);
    const bool padded = parse_pe(uki_bytes).find_section(".linux")->file_size() > kernel.size();
    cr_assert_eq(padded, style == UkiStyle::Ukify252 || style == UkiStyle::Ukify254);
    cr_assert_eq(has_note(*inv->load, "the kernel's PE image is the first " + std::to_string(kernel.size())), padded,
                 "a trim is noted for -d and the dry run, and only a trim");

    // -c builds from the same bytes: the kernel segment is the kernel after
    // its setup code, nothing more.
    auto c = plan({"--sysroot=" + fixture_sysroot("bios"), "-c", "-l", uki}, fixture_sysroot("bios"));
    cr_assert(c.ok(), "%s", c.ok() ? "" : c.error().message.c_str());
    const uint64_t setup = (uint64_t{static_cast<uint8_t>(kernel[kx::x86::bp::setup_sects])} + 1) * 512;
    bool found = false;
    for (const Segment& s : c->load->segment_load->segments)
        if (s.label == "kernel") {
            found = true;
            cr_assert_eq(s.data.size(), kernel.size() - setup);
            cr_assert(s.data.bytes_copy() == kernel.substr(setup));
        }
    cr_assert(found);
}

// ukify --sign-kernel (257, 262): sbsign signs the embedded kernel, then the
// whole UKI. Both signatures are read, the UKI verifies against the signer's
// certificate, and the split load hands the kernel on exactly as signed.
Test(real_ukis, ukify_sign_kernel_signs_kernel_and_uki) {
    for (UkiStyle style : {UkiStyle::Ukify257, UkiStyle::Ukify262}) {
        const std::string dir = scratch_dir();
        cr_assert_eq(run_shell("cd '" + dir + "' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 "
                               "-subj /CN=ukify-signer -keyout s.key -out s.pem 2>/dev/null"),
                     0);
        UkiSpec spec = typical_uki(make_efi_bzimage(odd_kernel()));
        spec.sign_kernel_and_uki = {{dir + "/s.key", dir + "/s.pem"}};
        const std::string uki = write_file(dir + "/signed.efi", build_uki(style, spec));
        RunResult info = run_kexec({"--uki-info", uki}, nullptr);
        cr_assert_eq(info.rc, 0, "%s", info.err.c_str());
        cr_assert(contains(info.out, "kernel signature:\n    signature #1:\n      signer: CN=ukify-signer"), "%s: %s",
                  style_name(style), info.out.c_str());
        cr_assert(contains(info.out, "signature:\n  signature #1:\n    signer: CN=ukify-signer"), "%s", info.out.c_str());
        auto inv = plan({"-s", "-l", "--uki-verify=" + dir + "/s.pem", uki});
        cr_assert(inv.ok(), "%s: %s", style_name(style), inv.ok() ? "" : inv.error().message.c_str());
        cr_assert(has_note(*inv->load, "Authenticode verified, signed by CN=ukify-signer"), "%s", style_name(style));
        const std::string kernel = inv->load->boot.kernel.bytes_copy();
        auto sigs = pe::read_signatures(parse_pe(kernel));
        cr_assert_eq(sigs.size(), 1u, "%s: the split kernel keeps its signature", style_name(style));
        cr_assert(sigs[0].digest_matches && *sigs[0].digest_matches, "%s: and it matches", style_name(style));
    }
}

// An unsigned EFI-stub kernel ends where its last section's raw data ends.
UKI_TEST(real_ukis, unsigned_kernel_without_padding) {
    const std::string dir = scratch_dir();
    const std::string kernel = make_efi_bzimage(odd_kernel());
    const std::string uki = write_file(dir + "/k.efi", build_uki(style, typical_uki(kernel)));
    auto inv = plan({"-l", uki});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    cr_assert(inv->load->boot.kernel.bytes_copy() == kernel);
}

// Discovered addons that do not apply are skipped, as systemd-stub skips
// them: one stale file must not stop every load, kdump included. Only an
// addon named with --uki-addon is a hard error.
ADDONS_TEST(real_ukis, stale_addons_are_skipped_with_a_note) {
    const std::string dir = scratch_dir();
    const std::string esp = dir + "/esp";
    const std::string kernel = make_efi_bzimage(odd_kernel());
    const std::string uki = write_file(esp + "/EFI/Linux/k.efi", build_uki(style, typical_uki(kernel)));
    UkiSpec good;
    good.cmdline = "good.addon=1";
    UkiSpec stale = good;
    stale.cmdline = "stale.addon=1";
    stale.uname = "5.10.0-old";
    write_file(esp + "/loader/addons/a-stale.addon.efi", build_addon(style, stale));
    write_file(esp + "/loader/addons/b-good.addon.efi", build_addon(style, good));
    write_file(uki + ".extra.d/c-uki.addon.efi", build_uki(style, typical_uki(kernel)));
    write_file(uki + ".extra.d/d-garbage.addon.efi", "MZ not really a PE file");
    const std::string sysroot = make_sysroot(
        {{"/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                  "40 22 8:2 / " + esp + " rw,relatime - vfat /dev/sda2 rw\n"},
         {"/proc/iomem", "00100000-3fffffff : System RAM\n  2f000000-3effffff : Crash kernel\n"}});

    for (const char* target : {"-l", "-p"}) {
        auto inv = plan({"-s", target, uki}, sysroot);
        cr_assert(inv.ok(), "%s: %s", target, inv.ok() ? "" : inv.error().message.c_str());
        kx_assert_str(inv->load->boot.cmdline, "console=ttyS0 quiet good.addon=1");
        cr_assert(has_note(*inv->load, "skipped global addon " + esp +
                                           "/loader/addons/a-stale.addon.efi: addon .uname \"5.10.0-old\" does "
                                           "not match the UKI's \"6.1.0-test\""));
        cr_assert(has_note(*inv->load, "skipped per-UKI addon " + uki +
                                           ".extra.d/c-uki.addon.efi: is a UKI (it has a .linux section), not an addon"));
        cr_assert(has_note(*inv->load, "skipped per-UKI addon " + uki + ".extra.d/d-garbage.addon.efi: "));
    }
    RecordingBackend rec;
    rec.results = {ENOEXEC, 0};
    RunResult r = run_kexec({"--sysroot=" + sysroot, "-s", "-l", "-d", uki}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.err, "kexec: note: skipped global addon " + esp + "/loader/addons/a-stale.addon.efi"),
              "-d names it: %s", r.err.c_str());
    RunResult dry = run_kexec({"--sysroot=" + sysroot, "-l", "--dry-run", uki}, nullptr);
    cr_assert(contains(dry.out, "note: skipped global addon"), "the dry run shows it: %s", dry.out.c_str());

    auto named = plan({"-l", "--uki-addon=" + esp + "/loader/addons/a-stale.addon.efi", uki}, sysroot);
    cr_assert(!named.ok());
    kx_assert_str(named.error().message, esp + "/loader/addons/a-stale.addon.efi: addon .uname \"5.10.0-old\" "
                                               "does not match the UKI's \"6.1.0-test\"");
}

// --- --uki-info ---------------------------------------------------------------

// The report agrees with what went in: names, both sizes, the SHA-256 of the
// min() bytes, profiles and their command lines, uname, os-release.
UKIFY_TEST(real_ukis, uki_info_agrees_with_the_sections) {
    const std::string dir = scratch_dir();
    const std::string kernel = make_efi_bzimage(odd_kernel());
    UkiSpec alt;
    alt.profile = "ID=alt\nTITLE=Alternative\n";
    alt.cmdline = "alt=1";
    UkiSpec spec;
    spec.osrel = "ID=test\nPRETTY_NAME=\"Real UKI\"\nVERSION_ID=9\n";
    spec.cmdline = "console=ttyS0 quiet";
    spec.uname = "6.1.0-test";
    spec.linux_image = kernel;  // with .sbat and 2 .profile sections: the 7 the 252 stub has room for
    spec.profile = "ID=main\nTITLE=Main\n";
    spec.join_profiles = {build_profile_pe(alt, style)};
    const std::string uki = write_file(dir + "/p.efi", build_uki(style, spec));
    RunResult r = run_kexec({"--uki-info", "--json", uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    const std::string uki_bytes = read_file(uki);
    pe::PeFile pe = parse_pe(uki_bytes);  // spans into uki_bytes
    for (const pe::Section& s : pe.sections()) {
        const std::string digest = to_hex(sha256(pe.section_bytes(s).value()));
        const std::string row = "\"name\": \"" + s.name + "\"";
        cr_assert(contains(r.out, row), "%s", s.name.c_str());
        cr_assert(contains(r.out, "\"size\": " + std::to_string(s.virtual_size) + ",\n      \"raw_size\": " +
                                      std::to_string(s.size_of_raw_data) + ",\n      \"bytes\": " +
                                      std::to_string(s.file_size())),
                  "%s sizes: %s", s.name.c_str(), r.out.c_str());
        cr_assert(contains(r.out, "\"sha256\": \"" + digest + "\""), "%s digest", s.name.c_str());
    }
    const std::string linux_min = uki_bytes.substr(pe.find_section(".linux")->pointer_to_raw_data,
                                                        pe.find_section(".linux")->file_size());
    cr_assert(contains(r.out, "\"sha256\": \"" + sha256_hex(linux_min) + "\""), ".linux: the kernel and its padding");
    cr_assert(contains(r.out, "\"identity\": \"systemd-stub " + style_version(style) + "."), "%s", r.out.c_str());
    const RunResult text_report = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert(contains(text_report.out, "vsize        raw      bytes"), "%s", text_report.out.c_str());
    if (is_real_ukify(style))
        cr_assert(contains(text_report.out, "kernel (.linux): 70001 bytes\n"), "%s", text_report.out.c_str());
    else
        cr_assert(contains(text_report.out, "kernel (.linux): 70001 bytes (the section holds 70144: 143 bytes of "
                                            "padding"), "%s", text_report.out.c_str());
    if (stub_release(style) < 257) {
        // A stub before profiles (257) reads .profile as a section it does
        // not know: two .cmdline sections in one profile, which kexec refuses
        // to load and the report says so.
        cr_assert(contains(r.out, "\"bootable\": false"), "%s", r.out.c_str());
        cr_assert(contains(r.out, "section .cmdline appears twice in the base profile"), "%s", r.out.c_str());
        cr_assert(contains(r.out, "its 2 .profile section(s) are read as unknown sections, all in one profile: its "
                                  "systemd-stub " + style_version(style) + " does not know profiles"), "%s",
                  r.out.c_str());
        cr_assert(contains(r.out, "\"multi_profile\": false"), "%s", r.out.c_str());
        const std::string e = run_kexec({"-l", uki}, nullptr).err;
        cr_assert(contains(e, "section .cmdline appears twice in the base profile") &&
                      contains(e, "does not know profiles"), "%s", e.c_str());
        return;
    }
    cr_assert(contains(r.out, "\"bootable\": true"), "%s", r.out.c_str());
    cr_assert(contains(r.out, "\"left_out\": []"), "%s", r.out.c_str());
    cr_assert(contains(r.out, "\"image_size\": 70001"), "%s", r.out.c_str());
    for (const char* want : {"\"id\": \"main\"", "\"title\": \"Main\"", "\"cmdline\": \"console=ttyS0 quiet\"",
                             "\"id\": \"alt\"", "\"cmdline\": \"alt=1\"", "\"uname\": \"6.1.0-test\"",
                             "\"PRETTY_NAME\": \"Real UKI\"", "\"VERSION_ID\": \"9\"", "\"multi_profile\": true"})
        cr_assert(contains(r.out, want), "missing %s in %s", want, r.out.c_str());

    RunResult text = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert(contains(text.out, "boot: can boot\n"), "%s", text.out.c_str());
    cr_assert(contains(text.out, "stub: systemd-stub " + style_version(style) + "."), "%s", text.out.c_str());
}

// --uki-info says plainly when a UKI cannot boot, and why; the file is still
// inspectable (exit 0).
UKI_TEST(real_ukis, uki_info_says_why_a_uki_cannot_boot) {
    const std::string dir = scratch_dir();
    UkiSpec not_bz = typical_uki("this is no kernel at all, just text");
    const std::string a = write_file(dir + "/notbz.efi", build_uki(style, not_bz));
    RunResult r = run_kexec({"--uki-info", a}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, "boot: CANNOT BOOT\n  - .linux: too small to be a bzImage (35 bytes)\n"), "%s",
              r.out.c_str());

    // One byte of the signed kernel changed after signing.
    const std::string kernel = signed_efi_bzimage(odd_kernel());
    std::string bytes = build_uki(style, typical_uki(kernel));
    pe::PeFile pe = parse_pe(bytes);
    bytes[pe.find_section(".linux")->pointer_to_raw_data + 0x3000] ^= 1;
    const std::string b = write_file(dir + "/tampered.efi", bytes);
    RunResult t = run_kexec({"--uki-info", b}, nullptr);
    cr_assert_eq(t.rc, 0);
    cr_assert(contains(t.out, "  - the embedded kernel's signature does not match its bytes: refused wherever kernel "
                              "signatures are enforced (Secure Boot, lockdown)\n"),
              "%s", t.out.c_str());
    RunResult j = run_kexec({"--uki-info", "--json", b}, nullptr);
    cr_assert(contains(j.out, "\"bootable\": false"), "%s", j.out.c_str());
    cr_assert(contains(j.out, "\"boot_problems\": [\n    \"the embedded kernel's signature does not match"),
              "%s", j.out.c_str());
    // The same kernel untouched: bootable.
    const std::string c = write_file(dir + "/ok.efi", build_uki(style, typical_uki(kernel)));
    cr_assert(contains(run_kexec({"--uki-info", c}, nullptr).out, "boot: can boot\n"));
}

// An empty .linux (the in-test writer: neither producer writes one).
Test(real_ukis, uki_info_empty_linux) {
    const std::string dir = scratch_dir();
    const std::string a = write_file(dir + "/empty.efi", make_stub_pe({section(".cmdline", "x"), section(".linux", "")}));
    RunResult r = run_kexec({"--uki-info", a}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, "boot: CANNOT BOOT\n  - .linux is empty\n"), "%s", r.out.c_str());
}
