// SPDX-License-Identifier: GPL-2.0-or-later
// Authenticode verification against a trust store, as firmware judges an
// image (verify_authenticode): files signed by sbsign with keys made here,
// the digest checked against pesign's, and each way a signature can fail
// to vouch for a file, one test each.
#include <cctype>
#include <cstdlib>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/backend.hpp"
#include "helpers.hpp"
#include "signing.hpp"
#include "uki_styles.hpp"
#include "plan/planner.hpp"
#include "uki_builder.hpp"
#include "pe/authenticode.hpp"
#include "pe/pe_file.hpp"
#include "base/strings.hpp"

using namespace kx;
using namespace kxt;

namespace {

pe::Verdict verify(const std::string& image, const pe::TrustStore& trust) {
    auto pe = pe::PeFile::parse(span_of(image), "image.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    return pe::verify_authenticode(*pe, trust);
}

std::string der_of_pem(const std::string& pem_path) {
    return shell_output("openssl x509 -in '" + pem_path + "' -outform DER");
}

// The SHA-256 Authenticode digest pesign computes: pesign 0.112 (Debian 12)
// prints "hash: HEX", 116 (Debian 13) "HEX FILE".
std::string pesign_sha256(const std::string& path) {
    const std::string out = shell_output("pesign -h -d sha256 -i '" + path + "'");
    std::string word;
    for (char c : out + " ") {
        if (std::isxdigit(static_cast<unsigned char>(c))) {
            word += c;
            continue;
        }
        if (word.size() == 64)
            return word;
        word.clear();
    }
    cr_assert_fail("pesign printed no SHA-256 digest for %s: %s", path.c_str(), out.c_str());
    return {};
}

// pesign 116 (Debian 13) pads trailing data to 8 bytes before hashing it.
bool pesign_pads_trailing_data() {
    const std::string version = shell_output("dpkg-query -W -f='${Version}' pesign 2>/dev/null");
    return !version.empty() && std::atoi(version.c_str()) >= 116;
}

}  // namespace

Test(verify, a_file_signed_by_a_trusted_key_verifies_and_its_digest_is_pesigns) {
    Signing s;
    s.key("alpha");
    const std::string signed_image = s.sign("unsigned.efi", "alpha", "a.efi");
    pe::Verdict v = verify(signed_image, s.pem_store({"alpha"}));
    cr_assert(v.trusted, "%s", v.reason.c_str());
    kx_assert_str(v.reason, "signed by CN=alpha, trusted by bundle.pem");
    if (have_tool("pesign")) {
        auto pe = pe::PeFile::parse(span_of(signed_image), "a.efi");
        kx_assert_str(pesign_sha256(s.dir + "/a.efi"), pe::authenticode_digest_hex(*pe, "sha256").value_or("?"));
    }
}

// The Authenticode digest is computed ourselves: it must be the one pesign
// computes and the one sbsign signs (sbverify checks that), for each layout
// a producer writes: UKIs, addons, and a bare EFI-stub bzImage.
UKI_TEST(verify, our_digest_is_pesigns_and_sbsigns_for_ukis_addons_and_bzimages) {
    if (!have_tool("pesign"))
        cr_skip_test("needs pesign (scripts/install-deps installs it)");
    Signing s;
    s.key("alpha");
    UkiSpec uki_spec;
    uki_spec.linux_image = make_efi_bzimage();
    uki_spec.cmdline = "console=ttyS0 odd-length=1";
    uki_spec.initrds = {"INITRD-OF-ODD-LENGTH"};
    UkiSpec addon_spec;
    addon_spec.cmdline = "addon=1";
    const std::vector<std::pair<std::string, std::string>> images = {
        {"uki", build_uki(style, uki_spec)}, {"addon", build_addon(style, addon_spec)}, {"bzimage", make_efi_bzimage()}};
    for (const auto& [name, bytes] : images) {
        write_file(s.dir + "/" + name + ".efi", bytes);
        s.sign(name + ".efi", "alpha", name + ".signed.efi");
        for (const std::string& file : {name + ".efi", name + ".signed.efi"}) {
            const std::string image = read_file(s.dir + "/" + file);
            auto pe = pe::PeFile::parse(span_of(image), file);
            cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
            std::string ours = pe::authenticode_digest_hex(*pe, "sha256").value_or("?");
            // Firmware (EDK2's HashPeImage) hashes the bytes after the last
            // section as they are, as sbsign and pesign before 116 do;
            // pesign 116 pads them to 8 bytes with zeros first. Signed files
            // are 8-aligned by their signer, so there both agree; an
            // unsigned file with trailing data (binutils 2.44's objcopy keeps
            // the stub's symbol table) is compared with its padded copy.
            if (image.size() % 8 != 0 && pesign_pads_trailing_data()) {
                const std::string padded = image + std::string(8 - image.size() % 8, '\0');
                auto padded_pe = pe::PeFile::parse(span_of(padded), file);
                cr_assert(padded_pe.ok());
                ours = pe::authenticode_digest_hex(*padded_pe, "sha256").value_or("?");
            }
            const std::string theirs = pesign_sha256(s.dir + "/" + file);
            cr_assert(ours == theirs, "%s: pesign %s, ours %s", file.c_str(), theirs.c_str(), ours.c_str());
        }
        pe::Verdict v = verify(read_file(s.dir + "/" + name + ".signed.efi"), s.pem_store({"alpha"}));
        cr_assert(v.trusted, "%s: the digest sbsign signed is not ours: %s", name.c_str(), v.reason.c_str());
        cr_assert_eq(run_shell("sbverify --cert '" + s.dir + "/alpha.pem' '" + s.dir + "/" + name +
                               ".signed.efi' >/dev/null 2>&1"),
                     0, "%s: sbverify disagrees", name.c_str());
    }
}

Test(verify, another_key_an_unsigned_file_and_a_changed_byte_do_not) {
    Signing s;
    s.key("alpha");
    s.key("beta");
    const std::string signed_image = s.sign("unsigned.efi", "alpha", "a.efi");
    pe::Verdict other = verify(signed_image, s.pem_store({"beta"}));
    cr_assert(!other.trusted);
    kx_assert_str(other.reason, "signature at offset " + std::to_string(83304) +
                                    " by CN=alpha (issued by CN=alpha): its certificate does not chain to one in bundle.pem");
    pe::Verdict unsigned_v = verify(read_file(s.dir + "/unsigned.efi"), s.pem_store({"alpha"}));
    cr_assert(!unsigned_v.trusted);
    kx_assert_str(unsigned_v.reason, "it is not signed");
    std::string tampered = signed_image;
    tampered[0x500] ^= 1;  // inside .text
    pe::Verdict t = verify(tampered, s.pem_store({"alpha"}));
    cr_assert(!t.trusted);
    cr_assert(contains(t.reason, "the sha256 digest it signs is not this file's"), "%s", t.reason.c_str());
}

// PKCS#7 that parses but is not Authenticode: plain data, another content
// type, and a signedData nested in a signedData (which older code read as
// if it were the Authenticode content). Each is refused by name, and reading
// it for --uki-info is safe (ASan/UBSan watch both).
Test(verify, pkcs7_with_other_or_nested_content_types_is_refused_cleanly) {
    Signing s;
    s.key("alpha");
    write_file(s.dir + "/content", "not an SpcIndirectDataContent");
    auto cms = [&](const std::string& type) {
        return shell_output("cd '" + s.dir + "' && openssl cms -sign -in content -signer alpha.pem -inkey alpha.key "
                            "-nodetach -binary -outform DER -econtent_type " + type + " 2>/dev/null");
    };
    const std::string data = cms("data");
    cr_assert(data.size() > 100, "openssl cms -sign failed");
    const std::string signed_data_oid = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02";
    const std::string nested =
        der(0x30, signed_data_oid + der(0xa0, der(0x30, std::string("\x02\x01\x01\x31\x00", 5) + data +
                                                          std::string("\x31\x00", 2))));
    const std::string unsigned_image = read_file(s.dir + "/unsigned.efi");
    for (const std::string& pkcs7 : {data, cms("1.2.3.4"), nested}) {
        const std::string image = with_signature(unsigned_image, pkcs7);
        auto pe = pe::PeFile::parse(span_of(image), "odd.efi");
        cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
        const auto sigs = pe::read_signatures(*pe);
        cr_assert_eq(sigs.size(), 1u);
        cr_assert(!sigs[0].digest_matches.value_or(false), "no digest can be read from it");
        pe::Verdict v = verify(image, s.pem_store({"alpha"}));
        cr_assert(!v.trusted);
        kx_assert_str(v.reason, "signature at offset " + std::to_string(sigs[0].offset) +
                                    ": not an Authenticode PKCS#7 signature");
    }
}

Test(verify, one_good_signature_of_two_is_enough_and_expiry_does_not_matter) {
    Signing s;
    s.key("alpha");
    s.expired_key("old");
    s.sign("unsigned.efi", "alpha", "a.efi");
    const std::string both = s.sign("a.efi", "old", "both.efi");
    pe::Verdict by_old = verify(both, s.pem_store({"old"}));
    cr_assert(by_old.trusted, "%s", by_old.reason.c_str());
    kx_assert_str(by_old.reason, "signed by CN=old, trusted by bundle.pem");
    pe::Verdict by_alpha = verify(both, s.pem_store({"alpha"}));
    cr_assert(by_alpha.trusted, "%s", by_alpha.reason.c_str());
}

Test(verify, dbx_forbids_the_image_digest_or_the_signer) {
    Signing s;
    s.key("alpha");
    const std::string image = s.sign("unsigned.efi", "alpha", "a.efi");
    auto pe = pe::PeFile::parse(span_of(image), "a.efi");
    const std::string digest_hex = pe::authenticode_digest_hex(*pe, "sha256").value_or("");
    pe::TrustStore by_digest = s.pem_store({"alpha"});
    std::vector<uint8_t> digest(32);
    for (size_t i = 0; i < 32; i++)
        digest[i] = static_cast<uint8_t>(std::stoul(digest_hex.substr(2 * i, 2), nullptr, 16));
    by_digest.forbidden.image_digests.push_back({pe::DigestAlgorithm::Sha256, digest});
    pe::Verdict d = verify(image, by_digest);
    cr_assert(!d.trusted);
    kx_assert_str(d.reason, "its SHA-256 Authenticode digest " + digest_hex + " is forbidden by dbx");
    pe::TrustStore by_cert = s.pem_store({"alpha"});
    const std::string der = der_of_pem(s.dir + "/alpha.pem");
    by_cert.forbidden.x509_certificates.emplace_back(der.begin(), der.end());
    pe::Verdict c = verify(image, by_cert);
    cr_assert(!c.trusted);
    cr_assert(contains(c.reason, "certificate CN=alpha is forbidden by dbx"), "%s", c.reason.c_str());
}

Test(verify, a_signer_whose_key_usage_excludes_code_signing_is_refused) {
    Signing s;
    s.key("web", "-addext extendedKeyUsage=serverAuth");
    const std::string image = s.sign("unsigned.efi", "web", "w.efi");
    pe::Verdict v = verify(image, s.pem_store({"web"}));
    cr_assert(!v.trusted);
    cr_assert(contains(v.reason, "extended key usage does not allow code signing"), "%s", v.reason.c_str());
}

Test(verify, pem_bundles_that_hold_no_good_certificate_are_errors) {
    auto none = pe::trust_store_from_pem(span_of(std::string("just text\n")), "x.pem");
    cr_assert(!none.ok());
    kx_assert_str(none.error().message, "x.pem: no PEM certificate in it");
    const std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    auto bad = pe::trust_store_from_pem(span_of(broken), "y.pem");
    cr_assert(!bad.ok());
    kx_assert_str(bad.error().message, "y.pem: certificate 1 is malformed");
}

// --uki-verify on the command line: the whole UKI judged before planning
// takes anything out of it, addons judged alike, no syscall when refused.
namespace {

const char* kDbVariable = "/sys/firmware/efi/efivars/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const char* kDbxVariable = "/sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const char* kSecureBootVariable = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

struct SignedUki : Signing {
    std::string uki;
    SignedUki() {
        key("alpha");
        UkiSpec spec;
        spec.linux_image = make_efi_bzimage();
        spec.cmdline = "console=ttyS0 verified=1";
        spec.initrds = {"INITRD"};
        write_file(dir + "/plain.efi", build_uki(UkiStyle::Ukify262, spec));
        sign("plain.efi", "alpha", "uki.efi");
        uki = dir + "/uki.efi";
    }
    std::string addon(const std::string& name, const std::string& cmdline, bool signed_addon,
                      const std::string& initrd = "") const {
        UkiSpec spec;
        spec.cmdline = cmdline;
        if (!initrd.empty())
            spec.initrds = {initrd};
        write_file(dir + "/" + name + ".unsigned", build_addon(UkiStyle::Ukify262, spec));
        const std::string out = uki + ".extra.d/" + name;
        run_shell("mkdir -p '" + uki + ".extra.d'");
        if (signed_addon)
            sign(name + ".unsigned", "alpha", "uki.efi.extra.d/" + name);
        else
            write_file(out, read_file(dir + "/" + name + ".unsigned"));
        return out;
    }
    // efivarfs as the firmware would show db (and dbx) holding `name`'s certificate.
    std::string esl_of(const std::string& name) const {
        cr_assert_eq(run_shell("cd '" + dir + "' && cert-to-efi-sig-list " + name + ".pem " + name + ".esl"), 0);
        return std::string("\x27\0\0\0", 4) + read_file(dir + "/" + name + ".esl");
    }
};

Result<Invocation> plan_with(std::vector<std::string> args, const std::string& sysroot = "/nonexistent-sysroot") {
    auto o = parse_args(std::move(args));
    cr_assert(o.ok(), "%s", o.ok() ? "" : o.error().message.c_str());
    return plan_invocation(*o, SystemView(sysroot));
}

bool noted(const Invocation& inv, const std::string& fragment) {
    for (const auto& n : inv.load->notes)
        if (contains(n, fragment))
            return true;
    return false;
}

}  // namespace

Test(uki_verify, a_signed_uki_verifies_against_a_pem_bundle_and_a_changed_one_is_refused) {
    SignedUki s;
    auto ok = plan_with({"-s", "-l", "--uki-verify=" + s.dir + "/alpha.pem", s.uki});
    cr_assert(ok.ok(), "%s", ok.ok() ? "" : ok.error().message.c_str());
    cr_assert(noted(*ok, s.uki + ": Authenticode verified, signed by CN=alpha, trusted by " + s.dir + "/alpha.pem"));
    cr_assert_str_eq(ok->load->boot.cmdline.c_str(), "console=ttyS0 verified=1");
    std::string bytes = read_file(s.uki);
    const size_t at = bytes.find("verified=1");
    cr_assert_neq(at, std::string::npos);
    bytes[at + 9] = '0';  // the command line an attacker would rather have
    const std::string changed = write_file(s.dir + "/changed.efi", bytes);
    RecordingBackend rec;
    RunResult r = run_kexec({"-s", "-l", "--uki-verify=" + s.dir + "/alpha.pem", changed}, &rec);
    cr_assert_eq(r.rc, 255, "a failed -s load, as kexec-tools (EFAILED): %d", r.rc);
    const uint64_t table = pe::PeFile::parse(span_of(bytes), "changed.efi")->certificate_table_offset();
    kx_assert_str(r.err, "kexec: " + changed + ": not trusted by " + s.dir + "/alpha.pem: signature at offset " +
                             std::to_string(table) + ": the sha256 digest it signs is not this file's\n");
    cr_assert(rec.calls.empty(), "nothing may reach the kernel");
}

Test(uki_verify, the_firmware_db_and_dbx_from_efivarfs) {
    if (!have_tool("cert-to-efi-sig-list"))
        cr_skip_test("needs efitools (scripts/install-deps installs it)");
    SignedUki s;
    s.key("other");
    const std::string db = make_sysroot({{kDbVariable, s.esl_of("alpha")}});
    auto ok = plan_with({"-s", "-l", "--uki-verify", s.uki}, db);
    cr_assert(ok.ok(), "%s", ok.ok() ? "" : ok.error().message.c_str());
    cr_assert(noted(*ok, "signed by CN=alpha, trusted by the UEFI db"));
    const std::string wrong_db = make_sysroot({{kDbVariable, s.esl_of("other")}});
    auto wrong = plan_with({"-s", "-l", "--uki-verify", s.uki}, wrong_db);
    cr_assert(!wrong.ok());
    cr_assert(contains(wrong.error().message, "its certificate does not chain to one in the UEFI db"), "%s",
              wrong.error().message.c_str());
    const std::string revoked = make_sysroot({{kDbVariable, s.esl_of("alpha")}, {kDbxVariable, s.esl_of("alpha")}});
    auto forbidden = plan_with({"-s", "-l", "--uki-verify", s.uki}, revoked);
    cr_assert(!forbidden.ok());
    cr_assert(contains(forbidden.error().message, "certificate CN=alpha is forbidden by dbx"), "%s",
              forbidden.error().message.c_str());
    auto none = plan_with({"-s", "-l", "--uki-verify", s.uki});
    cr_assert(!none.ok());
    cr_assert(contains(none.error().message, "--uki-verify: no UEFI db to verify against"), "%s",
              none.error().message.c_str());
}

Test(uki_verify, addons_count_only_when_they_verify_too) {
    SignedUki s;
    s.addon("good.addon.efi", "good=1", true);
    const std::string unsigned_addon = s.addon("unsigned.addon.efi", "init=/bin/sh", false);
    const std::string pem = "--uki-verify=" + s.dir + "/alpha.pem";
    auto inv = plan_with({"-l", pem, s.uki});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    cr_assert_str_eq(inv->load->boot.cmdline.c_str(), "console=ttyS0 verified=1 good=1");
    cr_assert(noted(*inv, "skipped per-UKI addon " + unsigned_addon + ": not trusted by " + s.dir +
                              "/alpha.pem: it is not signed"));
    auto named = plan_with({"-l", pem, "--uki-no-addons", "--uki-addon=" + unsigned_addon, s.uki});
    cr_assert(!named.ok());
    kx_assert_str(named.error().message, unsigned_addon + ": not trusted by " + s.dir + "/alpha.pem: it is not signed");
    auto without = plan_with({"-l", s.uki});
    cr_assert(without.ok());
    cr_assert(contains(without->load->boot.cmdline, "init=/bin/sh"), "without --uki-verify the addon applies");
}

Test(uki_verify, strict_verifies_then_refuses_overrides_only_of_what_exists) {
    SignedUki s;
    const std::string pem = "--uki-verify=" + s.dir + "/alpha.pem";
    auto ok = plan_with({"-l", "--uki-strict", pem, s.uki});
    cr_assert(ok.ok(), "%s", ok.ok() ? "" : ok.error().message.c_str());
    cr_assert(noted(*ok, s.uki + ": Authenticode verified, signed by CN=alpha"));
    auto e1 = plan_with({"-l", "--uki-strict", pem, "--append=x", s.uki});
    cr_assert(!e1.ok());
    kx_assert_str(e1.error().message, s.uki + ": --uki-strict: refusing to override the UKI's .cmdline with --append");
    const std::string img = write_file(s.dir + "/i.img", "I");
    auto e2 = plan_with({"-l", "--uki-strict", pem, "--initrd=" + img, s.uki});
    cr_assert(!e2.ok());
    kx_assert_str(e2.error().message, s.uki + ": --uki-strict: refusing to replace the UKI's initrd with --initrd");
    UkiSpec bare_spec;  // no .cmdline, no .initrd: nothing to override
    bare_spec.linux_image = make_efi_bzimage();
    write_file(s.dir + "/bare.unsigned", build_uki(UkiStyle::Ukify262, bare_spec));
    s.sign("bare.unsigned", "alpha", "bare.efi");
    auto bare = plan_with({"-l", "--uki-strict", pem, "--append=x", "--initrd=" + img, s.dir + "/bare.efi"});
    cr_assert(bare.ok(), "%s", bare.ok() ? "" : bare.error().message.c_str());
    cr_assert_str_eq(bare->load->boot.cmdline.c_str(), "x");
    if (!have_tool("cert-to-efi-sig-list"))
        return;
    // Alone, --uki-strict verifies against the firmware's db.
    auto db = plan_with({"-l", "--uki-strict", s.uki}, make_sysroot({{kDbVariable, s.esl_of("alpha")}}));
    cr_assert(db.ok(), "%s", db.ok() ? "" : db.error().message.c_str());
    cr_assert(noted(*db, "signed by CN=alpha, trusted by the UEFI db"));
}

// Under Secure Boot systemd-stub takes only the addons the firmware (or
// shim) verifies, and packs credentials and extensions all the same (it
// measures them into the TPM; their consumers judge them): so does kexec.
Test(uki_verify, under_secure_boot_found_addons_must_verify_against_db) {
    if (!have_tool("cert-to-efi-sig-list"))
        cr_skip_test("needs efitools (scripts/install-deps installs it)");
    SignedUki s;
    const std::string good = s.addon("good.addon.efi", "good=1", true);
    const std::string unsigned_addon = s.addon("unsigned.addon.efi", "init=/bin/sh", false);
    write_file(s.uki + ".extra.d/site.cred", "CREDENTIAL-BYTES");
    const std::string secure_boot_on = std::string("\x06\0\0\0\x01", 5);
    const std::string on = make_sysroot({{kSecureBootVariable, secure_boot_on}, {kDbVariable, s.esl_of("alpha")}});
    auto inv = plan_with({"-l", s.uki}, on);
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    cr_assert_str_eq(inv->load->boot.cmdline.c_str(), "console=ttyS0 verified=1 good=1");
    cr_assert(noted(*inv, "skipped per-UKI addon " + unsigned_addon + ": not trusted by the UEFI db: it is not signed"));
    cr_assert(noted(*inv, "addon (per-UKI) " + good + ": cmdline \"good=1\"; Authenticode verified, signed by CN=alpha"));
    cr_assert(contains(inv->load->boot.initrd->bytes_copy(), "CREDENTIAL-BYTES"), "credentials are packed as the stub does");

    // No db to verify against: every found addon is skipped; one named is an error.
    const std::string no_db = make_sysroot({{kSecureBootVariable, secure_boot_on}});
    auto blind = plan_with({"-l", s.uki}, no_db);
    cr_assert(blind.ok(), "%s", blind.ok() ? "" : blind.error().message.c_str());
    cr_assert_str_eq(blind->load->boot.cmdline.c_str(), "console=ttyS0 verified=1");
    cr_assert(noted(*blind, "skipped per-UKI addon " + good +
                                ": cannot be verified, as Secure Boot requires: no UEFI db to verify against"));
    auto named = plan_with({"-l", "--uki-no-addons", "--uki-addon=" + good, s.uki}, no_db);
    cr_assert(!named.ok());
    cr_assert(contains(named.error().message, good + ": cannot be verified, as Secure Boot requires"), "%s",
              named.error().message.c_str());

    // Secure Boot off: both apply, as the stub would apply them.
    const std::string off = make_sysroot({{kSecureBootVariable, std::string("\x06\0\0\0\0", 5)}});
    auto plain = plan_with({"-l", s.uki}, off);
    cr_assert(plain.ok());
    cr_assert_str_eq(plain->load->boot.cmdline.c_str(), "console=ttyS0 verified=1 good=1 init=/bin/sh");

    // The stub would ignore a boot loader's line here; kexec takes the user's and says so.
    auto appended = plan_with({"-l", "--append=crashkernel-args", s.uki}, on);
    cr_assert(appended.ok());
    cr_assert(noted(*appended, "Secure Boot is on: systemd-stub would boot this UKI with its own .cmdline"));
}

// --uki-info --uki-verify: a verdict for the UKI, its .linux and each addon
// a load would find, judged as the load judges them.
Test(uki_verify, uki_info_gives_verdicts_for_the_uki_its_kernel_and_its_addons) {
    SignedUki s;
    const std::string good = s.addon("good.addon.efi", "good=1", true);
    const std::string unsigned_addon = s.addon("unsigned.addon.efi", "init=/bin/sh", false);
    const std::string pem = s.dir + "/alpha.pem";
    RunResult r = run_kexec({"--uki-info", "--uki-verify=" + pem, s.uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    for (const std::string& line : std::vector<std::string>{
             "signature:\n  signature #1:", "  verdict: valid, signed by CN=alpha, trusted by " + pem + "\n",
          "kernel signature:\n    unsigned\n    verdict: INVALID against " + pem + ": it is not signed\n",
          "addons (as kexec -l would find them):\n",
          "  " + good + " (per-UKI): applied, verified: signed by CN=alpha, trusted by " + pem + "\n",
          "  " + unsigned_addon + " (per-UKI): skipped: " + unsigned_addon + ": not trusted by " + pem +
              ": it is not signed\n"})
        cr_assert(contains(r.out, line), "missing %s in:\n%s", line.c_str(), r.out.c_str());

    RunResult j = run_kexec({"--uki-info", "--json", "--uki-verify=" + pem, s.uki}, nullptr);
    cr_assert_eq(j.rc, 0, "%s", j.err.c_str());
    for (const std::string& field : std::vector<std::string>{
             "\"trusted\": true,", "\"reason\": \"signed by CN=alpha, trusted by " + pem + "\"",
             "\"skipped_because\": \"" + unsigned_addon + ": not trusted by "})
        cr_assert(contains(j.out, field), "missing %s in:\n%s", field.c_str(), j.out.c_str());

    std::string bytes = read_file(s.uki);
    bytes[bytes.find("verified=1") + 9] = '0';
    const std::string changed = write_file(s.dir + "/changed.efi", bytes);
    RunResult c = run_kexec({"--uki-info", "--uki-verify=" + pem, changed}, nullptr);
    cr_assert_eq(c.rc, 0, "a report, not a load: %s", c.err.c_str());
    cr_assert(contains(c.out, "  verdict: INVALID against " + pem + ": signature at offset "), "%s", c.out.c_str());
    cr_assert(contains(c.out, "the sha256 digest it signs is not this file's"), "%s", c.out.c_str());

    // Without a trust source: no verdicts, and the addons a load would apply.
    RunResult plain = run_kexec({"--uki-info", s.uki}, nullptr);
    cr_assert_eq(plain.rc, 0);
    cr_assert(!contains(plain.out, "verdict:"), "%s", plain.out.c_str());
    cr_assert(contains(plain.out, "  " + unsigned_addon + " (per-UKI): applied\n"), "%s", plain.out.c_str());
    RunResult no_pem = run_kexec({"--uki-info", "--uki-verify=" + s.dir + "/missing.pem", s.uki}, nullptr);
    cr_assert_neq(no_pem.rc, 0);
    cr_assert(contains(no_pem.err, "kexec: --uki-verify: " + s.dir + "/missing.pem: "), "%s", no_pem.err.c_str());
}

Test(uki_verify, a_plain_kernel_is_refused_not_loaded_unverified) {
    const std::string kernel = write_file(scratch_dir() + "/vmlinuz", make_bzimage());
    auto inv = plan_with({"-s", "-l", "--uki-verify=/nonexistent.pem", kernel});
    cr_assert(!inv.ok());
    cr_assert(contains(inv.error().message, kernel + ": --uki-verify verifies UKIs, and this is a bzImage"), "%s",
              inv.error().message.c_str());
}

// What was verified is what gets loaded: the UKI is planned from a sealed
// copy, so rewriting the file in place (same size, so no size check can
// notice) after verification changes nothing that reaches the kernel.
Test(uki_verify, a_uki_rewritten_after_verification_is_not_what_gets_loaded) {
    SignedUki s;
    const std::string original = read_file(s.uki);
    auto inv = plan_with({"-s", "-l", "--uki-verify=" + s.dir + "/alpha.pem", s.uki});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    std::string rewritten = original;
    const size_t at = rewritten.find("verified=1");
    rewritten.replace(at, 10, "init=/sh  ");
    const int fd = ::open(s.uki.c_str(), O_WRONLY);  // in place: the same inode, as a careless update would
    cr_assert(fd >= 0);
    cr_assert_eq(::pwrite(fd, rewritten.data(), rewritten.size(), 0), static_cast<ssize_t>(rewritten.size()));
    ::close(fd);
    const FileLoadCall& whole = inv->load->file_calls.at(0);
    cr_assert(whole.kernel.bytes_copy() == original, "the whole UKI handed to the kernel changed with the file");
    const FileLoadCall& split = inv->load->file_calls.at(1);
    const std::string split_cmdline = split.cmdline.value_or("");
    kx_assert_str(split_cmdline, "console=ttyS0 verified=1");
}

namespace {

// Rewrite `path` in place (the same inode and size, so no size check can
// notice), replacing every `from` with `to` (of the same length).
void rewrite_in_place(const std::string& path, const std::string& from, const std::string& to) {
    cr_assert_eq(from.size(), to.size());
    std::string bytes = read_file(path);
    bool found = false;
    for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + 1)) {
        bytes.replace(at, from.size(), to);
        found = true;
    }
    cr_assert(found, "%s not in %s", from.c_str(), path.c_str());
    const int fd = ::open(path.c_str(), O_WRONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(::pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

bool sealed_memfd(const MappedFile& f) {
    const int seals = f.fd() >= 0 ? fcntl(f.fd(), F_GET_SEALS) : -1;
    return seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SHRINK) && (seals & F_SEAL_GROW);
}

}  // namespace

// An addon that must verify is read once, into a sealed copy, and that
// copy is hashed, parsed and loaded: a writer racing kexec can change
// neither its command line nor its initrd after the check, with -s or -c.
Test(uki_verify, an_addon_rewritten_after_verification_is_not_what_gets_loaded) {
    SignedUki s;
    const std::string good = s.addon("good.addon.efi", "good=1", true, "ADDON-INITRD-SIGNED");
    for (const char* mode : {"-s", "-c"}) {
        const std::string sysroot = std::string(mode) == "-c" ? fixture_sysroot("bios") : "/nonexistent-sysroot";
        auto inv = plan_with({mode, "-l", "--uki-verify=" + s.dir + "/alpha.pem", s.uki}, sysroot);
        cr_assert(inv.ok(), "%s: %s", mode, inv.ok() ? "" : inv.error().message.c_str());
        cr_assert(noted(*inv, "addon (per-UKI) " + good + ": cmdline \"good=1\"; Authenticode verified"));
        rewrite_in_place(good, "ADDON-INITRD-SIGNED", "ADDON-INITRD-EVIL!!");
        const Payload& initrd = *inv->load->boot.initrd;
        const std::string bytes = initrd.bytes_copy();
        cr_assert(contains(bytes, "ADDON-INITRD-SIGNED") && !contains(bytes, "EVIL"),
                  "%s: the addon's initrd changed with the file after it was verified", mode);
        for (const Piece& p : initrd.pieces())
            if (p.file && contains(p.label, good))
                cr_assert(sealed_memfd(*p.file), "%s: %s comes from %s, not from the sealed copy verified", mode,
                          p.label.c_str(), p.file->path().c_str());
        rewrite_in_place(good, "ADDON-INITRD-EVIL!!", "ADDON-INITRD-SIGNED");
    }
}

// --uki-verify refuses before copying what cannot verify (no signature), and
// copies no more than half the memory available into sealed memory.
Test(uki_verify, nothing_is_copied_that_cannot_verify_or_does_not_fit) {
    SignedUki s;
    const std::string pem = "--uki-verify=" + s.dir + "/alpha.pem";
    const uint64_t size = read_file(s.uki).size();
    const std::string small = make_sysroot({{"/proc/meminfo", "MemTotal: 1024 kB\nMemAvailable: " +
                                                                  std::to_string(size / 1024) + " kB\n"}});
    auto too_big = plan_with({"-s", "-l", pem, s.uki}, small);
    cr_assert(!too_big.ok());
    cr_assert(contains(too_big.error().message, s.uki + ": too large to verify: kexec verifies a copy in sealed "
                                                        "memory"),
              "%s", too_big.error().message.c_str());
    const std::string unsigned_uki = write_file(s.dir + "/unsigned.uki.efi", read_file(s.dir + "/plain.efi"));
    auto not_signed = plan_with({"-s", "-l", pem, unsigned_uki}, small);
    cr_assert(!not_signed.ok());
    kx_assert_str(not_signed.error().message, unsigned_uki + ": not trusted by " + s.dir + "/alpha.pem: it is not signed");
    const std::string roomy = make_sysroot({{"/proc/meminfo", "MemAvailable: " + std::to_string(size / 256) + " kB\n"}});
    auto fits = plan_with({"-s", "-l", pem, s.uki}, roomy);
    cr_assert(fits.ok(), "%s", fits.ok() ? "" : fits.error().message.c_str());
}

// --uki-strict: no caller part replaces a signed one. Each option that
// would, refused with -s and with -c.
Test(uki_verify, strict_refuses_every_option_that_replaces_a_signed_part) {
    SignedUki s;
    const std::string pem = "--uki-verify=" + s.dir + "/alpha.pem";
    const std::string img = write_file(s.dir + "/i.img", "I");
    // --reuseinitrd needs a kernel that kept its initrd, and -s reads it from /sys/firmware/initrd.
    const std::string retained = make_sysroot({{"/proc/cmdline", "retain_initrd\n"}, {"/sys/firmware/initrd", "OLD"}});
    struct Case {
        std::vector<std::string> args;
        std::string refusal;
    };
    const std::vector<Case> cases = {
        {{"--append=x"}, "refusing to override the UKI's .cmdline with --append"},
        {{"--command-line=x"}, "refusing to override the UKI's .cmdline with --command-line"},
        {{"--reuse-cmdline"}, "refusing to override the UKI's .cmdline with --reuse-cmdline"},
        {{"--initrd=" + img}, "refusing to replace the UKI's initrd with --initrd"},
        {{"--ramdisk=" + img}, "refusing to replace the UKI's initrd with --initrd"},
        {{"--reuseinitrd"}, "refusing to replace the UKI's initrd with --reuseinitrd"},
        {{"--entry=0x100000"}, "refusing --entry, which starts the new system at an address of the caller's "
                                "instead of the UKI's kernel"},
    };
    for (const char* mode : {"-s", "-c"})
        for (const Case& c : cases) {
            std::vector<std::string> args = {mode, "-l", "--uki-strict", pem};
            args.insert(args.end(), c.args.begin(), c.args.end());
            args.push_back(s.uki);
            auto inv = plan_with(args, retained);
            cr_assert(!inv.ok(), "%s %s: accepted under --uki-strict", mode, c.args.front().c_str());
            kx_assert_str(inv.error().message, s.uki + ": --uki-strict: " + c.refusal);
        }
    // The initrd is the UKI's even when it has no .initrd: its signed
    // .osrel becomes /.extra/os-release, which a caller initrd would drop.
    UkiSpec osrel_only;
    osrel_only.linux_image = make_efi_bzimage();
    osrel_only.osrel = "ID=signed\n";
    write_file(s.dir + "/osrel.unsigned", build_uki(UkiStyle::Ukify262, osrel_only));
    s.sign("osrel.unsigned", "alpha", "osrel.efi");
    auto osrel = plan_with({"-l", "--uki-strict", pem, "--initrd=" + img, s.dir + "/osrel.efi"});
    cr_assert(!osrel.ok());
    kx_assert_str(osrel.error().message, s.dir + "/osrel.efi: --uki-strict: refusing to replace the UKI's initrd "
                                                 "with --initrd");
}

// --uki-strict: a verified addon's command line and initrd are signed parts
// too. A caller's line or initrd would replace them, and --uki-no-addons
// would leave them out: each refused (found by an outside review).
Test(uki_verify, strict_counts_a_verified_addons_parts_as_signed) {
    SignedUki s;
    UkiSpec bare_spec;  // only .linux: every signed part comes from the addon
    bare_spec.linux_image = make_efi_bzimage();
    write_file(s.dir + "/bare.unsigned", build_uki(UkiStyle::Ukify262, bare_spec));
    s.sign("bare.unsigned", "alpha", "uki.efi");  // in s.uki's place, beside its .extra.d
    const std::string addon = s.addon("sec.addon.efi", "lockdown=integrity", true, "ADDON-INITRD");
    const std::string pem = "--uki-verify=" + s.dir + "/alpha.pem";
    const std::string img = write_file(s.dir + "/i.img", "I");
    auto plain = plan_with({"-l", "--uki-strict", pem, s.uki});
    cr_assert(plain.ok(), "%s", plain.ok() ? "" : plain.error().message.c_str());
    kx_assert_str(plain->load->boot.cmdline, "lockdown=integrity");
    const std::string running = make_sysroot({{"/proc/cmdline", "root=/dev/vda lockdown=integrity\n"}});
    struct Case {
        std::string option, refusal;
    };
    for (const Case& c : std::vector<Case>{
             // Appended after a caller's line, the addon's could be undone by
             // it ("init=/bin/sh --", or an open quote): found by an outside
             // review.
             {"--append=init=/bin/sh --", "refusing --append beside its addons' command lines: a line in front "
                                          "of theirs can undo them"},
             {"--reuse-cmdline", "refusing --reuse-cmdline beside its addons' command lines: a line in front "
                                 "of theirs can undo them"},
             {"--initrd=" + img, "refusing to replace the UKI's initrd with --initrd"},
             {"--uki-no-addons", "refusing --uki-no-addons, which would leave out the signed addon " + addon}}) {
        auto inv = plan_with({"-l", "--uki-strict", pem, c.option, s.uki}, running);
        cr_assert(!inv.ok(), "%s accepted under --uki-strict", c.option.c_str());
        kx_assert_str(inv.error().message, s.uki + ": --uki-strict: " + c.refusal);
    }
}

// The memory for sealed copies is one budget for the whole load, not a
// limit per file; and a file whose certificate table holds no Authenticode
// signature is refused before it is copied (found by an outside review).
Test(uki_verify, sealed_copies_share_one_budget_and_junk_certificates_are_not_copied) {
    SignedUki s;
    const std::string a1 = s.addon("a1.addon.efi", "a1=1", true, std::string(100000, 'x'));
    const std::string a2 = s.addon("a2.addon.efi", "a2=1", true, std::string(100000, 'y'));
    const uint64_t total = read_file(s.uki).size() + read_file(a1).size() + read_file(a2).size();
    const uint64_t largest = std::max<uint64_t>(read_file(s.uki).size(), read_file(a1).size());
    // Room for any one file, not for all three.
    const std::string kib = std::to_string((largest + total) / 2 * 2 / 1024);
    const std::string tight = make_sysroot({{"/proc/meminfo", "MemAvailable: " + kib + " kB\n"}});
    auto inv = plan_with({"-l", "--uki-verify=" + s.dir + "/alpha.pem", s.uki}, tight);
    cr_assert(!inv.ok(), "three sealed copies fit a budget meant for fewer");
    cr_assert(contains(inv.error().message, ": too large to verify: ") &&
                  contains(inv.error().message, "left of half the memory available"),
              "%s", inv.error().message.c_str());

    // A WIN_CERTIFICATE of type 1 (X.509), not PKCS#7: no Authenticode
    // signature, refused from the headers.
    PeSpec spec;
    spec.sections = {section(".linux", make_efi_bzimage())};
    std::string entry(16, '\0');
    poke32(entry, 0, 16);
    poke16(entry, 4, 0x0200);
    poke16(entry, 6, 0x0001);
    spec.certificate = entry;
    const std::string junk = write_file(s.dir + "/junk.efi", make_pe(spec));
    auto refused = plan_with({"-l", "--uki-verify=" + s.dir + "/alpha.pem", junk});
    cr_assert(!refused.ok());
    kx_assert_str(refused.error().message, junk + ": not trusted by " + s.dir + "/alpha.pem: it carries no "
                                                  "Authenticode signature (no PKCS#7 certificate entry of revision 2.0)");
}
