// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 24: text from files (section names, .profile IDs, names of files
// beside a UKI) reaches the terminal escaped exactly once, cut when long,
// and never splits a line: through errors, notes, -d, the dry-run plan
// (text and JSON) and --uki-info (text and JSON).
#include <criterion/criterion.h>

#include <sys/stat.h>

#include "helpers.hpp"
#include "base/strings.hpp"
#include "uki_builder.hpp"
#include "base/utf8.hpp"

using namespace kx;
using namespace kxt;

namespace {

// ESC, BEL, CR, newline and 0xff, each of which a terminal (or a reader of
// one line per message) must never get raw.
const std::string kHostile = "\x1b[2J\x07\r\n\xff";

// The bytes no output may hold: control characters but newline, DEL, and
// everything >= 0x80 (text output is ASCII). JSON may hold well-formed
// UTF-8, but no C1 control in it.
std::string raw_bytes_in(const std::string& s, bool json = false) {
    std::string found;
    for (size_t i = 0; i < s.size(); i++) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        char32_t cp = 0;
        if (const size_t n = json && c >= 0x80 ? utf8_character(s, i, cp) : 0; n > 1 && cp > 0x9f) {
            i += n - 1;
            continue;
        }
        if ((c < 0x20 && c != '\n') || c >= 0x7f)
            found += hex(c) + " ";
    }
    return found;
}

// Every line of standard error is one whole message ("kexec: ...").
bool one_message_per_line(const std::string& err) {
    for (const std::string& line : split_lines(err))
        if (!line.empty() && !kx::starts_with(line, "kexec: "))
            return false;
    return true;
}

// `json`: JSON escapes backslashes as its own transport, so text escaped
// once shows \\x1b there; escaped twice would be \\\\x1b.
void expect_clean(const RunResult& r, const char* what, bool json = false) {
    cr_expect(raw_bytes_in(r.out, json).empty(), "%s: raw bytes on stdout: %s", what, raw_bytes_in(r.out, json).c_str());
    cr_expect(raw_bytes_in(r.err).empty(), "%s: raw bytes on stderr: %s", what, raw_bytes_in(r.err).c_str());
    cr_expect(one_message_per_line(r.err), "%s: a message was split: %s", what, printable(r.err).c_str());
    cr_expect(!contains(r.out + r.err, json ? "\\\\\\\\x" : "\\\\x"), "%s: escaped twice: %s%s", what, printable(r.out).c_str(),
              printable(r.err).c_str());
}

// The hostile bytes as text shows them, escaped once (printable(), or
// quote(), which spells newline \n).
void expect_escaped_once(const std::string& text, const char* what) {
    cr_expect(contains(text, "\\x1b[2J\\x07\\x0d"), "%s: %s", what, text.c_str());
    cr_expect(contains(text, "\\xff"), "%s: %s", what, text.c_str());
}

std::string uki_with(std::vector<PeSection> extra) {
    std::vector<PeSection> sections = {section(".linux", make_bzimage()), section(".cmdline", "quiet")};
    sections.insert(sections.end(), extra.begin(), extra.end());
    return write_file(scratch_dir() + "/u.efi", make_stub_pe(sections));
}

}  // namespace

// A section's name is 8 bytes of the file. Two sections sharing bytes are
// refused, naming both: in a load, in --uki-info and in --uki-info --json.
Test(escaping, section_names_in_errors) {
    PeSection a = section(std::string("\x1b[2J\x07\r\xff", 7), "AAAA");
    PeSection b = section(std::string("b\n\xff", 3), "BBBB");
    PeLayout layout;
    make_pe({0x8664, {section(".linux", make_bzimage()), a, b}}, &layout);
    b.pointer_to_raw_data = layout.raw_offsets[1];  // on top of a's bytes
    const std::string uki =
        write_file(scratch_dir() + "/overlap.efi", make_pe({0x8664, {section(".linux", make_bzimage()), a, b}}));
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-l", "--dry-run", uki}, {"--uki-info", uki}, {"--uki-info", uki, "--json"}, {"-d", "-l", "--dry-run=json", uki}}) {
        RunResult r = run_kexec(args, nullptr);
        cr_expect_neq(r.rc, 0);
        expect_clean(r, (args[0] + " " + args.back()).c_str());
        cr_expect(contains(r.err, "overlap"), "%s", printable(r.err).c_str());
        cr_expect(contains(r.err, "\\x1b[2J\\x07\\x0d\\xff") && contains(r.err, "b\\x0a\\xff"), "%s",
                  printable(r.err).c_str());
    }
}

// A section name the UKI specification does not know is listed by
// --uki-info: escaped in text, \u-escaped in JSON.
Test(escaping, section_names_in_uki_info) {
    const std::string uki = uki_with({section(std::string("\x1b[2J\x07\r\n\xff", 8), "X")});
    RunResult text = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(text.rc, 0, "%s", text.err.c_str());
    expect_clean(text, "--uki-info");
    cr_expect(contains(text.out, "\\x1b[2J\\x07\\x0d\\x0a\\xff"), "%s", text.out.c_str());
    RunResult json = run_kexec({"--uki-info", uki, "--json"}, nullptr);
    cr_assert_eq(json.rc, 0, "%s", json.err.c_str());
    expect_clean(json, "--uki-info --json", true);
    cr_expect(contains(json.out, "\\u001b[2J\\u0007\\r\\n\\udcff"), "%s", json.out.c_str());
}

// JSON writes well-formed UTF-8 as text, so "café" reads back as "café";
// characters that act on a terminal are \\u-escaped; a byte that is not
// well-formed UTF-8 (a lone 0xff, an overlong NUL, an encoded surrogate) is
// the lone surrogate \\udcNN, and Python's surrogateescape recovers the
// bytes exactly. The odd bytes are in the file's name, which both outputs
// show whole.
Test(escaping, json_text_is_utf8_and_invalid_bytes_come_back) {
    const std::string text = "caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x90\xa7";  // café ☕ 🐧
    const std::string odd = "x\xff \xc0\x80 \xed\xa0\x80 \xc2\x9b \xe2\x80\xae \xf4\x90\x80\x80 \xe2\x82";
    const std::string dir = scratch_dir();
    UkiSpec spec;
    spec.linux_image = make_efi_bzimage();
    spec.osrel = "ID=t\nPRETTY_NAME=\"" + text + "\"\n";
    spec.cmdline = "console=ttyS0 " + text;
    const std::string uki = write_file(dir + "/marker " + odd + "/u.efi", build_uki(UkiStyle::Ukify254, spec));
    for (const auto& args : std::vector<std::vector<std::string>>{{"--uki-info", "--json", uki},
                                                                 {"-l", "--dry-run=json", uki}}) {
        RunResult r = run_kexec(args, nullptr);
        cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
        expect_clean(r, args[1].c_str(), true);
        // The command line as the stub reads it (no U+1F427: UCS-2 cannot hold it).
        cr_expect(contains(r.out, "\"console=ttyS0 caf\xc3\xa9 \xe2\x98\x95\""), "UTF-8 as text: %s", r.out.c_str());
        if (args[0] == "--uki-info")
            cr_expect(contains(r.out, "\"" + text + "\""), "os-release as text: %s", r.out.c_str());
        cr_expect(contains(r.out, "marker x\\udcff \\udcc0\\udc80 \\udced\\udca0\\udc80 \\u009b \\u202e "
                                  "\\udcf4\\udc90\\udc80\\udc80 \\udce2\\udc82/u.efi"),
                  "%s", r.out.c_str());
        write_file(dir + "/out.json", r.out);
        // The file's name, found anywhere in the document, back to bytes.
        const std::string back = shell_output(
            "/usr/bin/python3 -c 'import json, sys\n"
            "def walk(v):\n"
            "    if isinstance(v, dict): v = list(v.values())\n"
            "    if isinstance(v, list): return next((w for w in map(walk, v) if w), None)\n"
            "    return v if isinstance(v, str) and v.endswith(\"/u.efi\") else None\n"
            "s = walk(json.load(open(sys.argv[1])))\n"
            "sys.stdout.buffer.write(s.encode(\"utf-8\", \"surrogateescape\"))' '" + dir + "/out.json'");
        cr_expect(back == uki, "%s: read back as %s", args[1].c_str(), printable(back).c_str());
    }
}

// A profile's ID= is shown in the plan's note, in -d's notes, in the
// --uki-profile error listing what exists, and by --uki-info.
Test(escaping, profile_ids) {
    const std::string id = "x" + kHostile.substr(0, 6) + "y\xff";  // .profile's lines: no newline
    const std::string uki = uki_with({section(".profile", "ID=plain"), section(".profile", "ID=" + id + "\nTITLE=T" + id),
                                      section(".cmdline", "two")});
    RunResult plan = run_kexec({"-d", "-l", "--dry-run", "--uki-profile=1", uki}, nullptr);
    cr_assert_eq(plan.rc, 0, "%s", printable(plan.err).c_str());
    expect_clean(plan, "plan");
    expect_escaped_once(plan.out, "plan note");
    expect_escaped_once(plan.err, "-d note");
    RunResult json = run_kexec({"-l", "--dry-run=json", "--uki-profile=1", uki}, nullptr);
    cr_assert_eq(json.rc, 0);
    expect_clean(json, "plan json", true);
    RunResult nope = run_kexec({"-l", "--dry-run", "--uki-profile=nope", uki}, nullptr);
    cr_expect_neq(nope.rc, 0);
    expect_clean(nope, "--uki-profile=nope");
    cr_expect(contains(nope.err, "no profile with ID \"nope\""), "%s", nope.err.c_str());
    expect_escaped_once(nope.err, "--uki-profile=nope");
    cr_expect(contains(nope.err, "ID=plain"), "a plain ID is shown as it is: %s", nope.err.c_str());
    RunResult info = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(info.rc, 0);
    expect_clean(info, "--uki-info");
    expect_escaped_once(info.out, "--uki-info");
}

// An ID of 100 KiB comes out cut to its first kFieldLimit bytes and its size.
Test(escaping, a_long_profile_id_is_cut) {
    const std::string id(100 * 1024, 'i');
    const std::string uki = uki_with({section(".profile", "ID=" + id), section(".profile", "ID=b\nTITLE=" + id)});
    const std::string cut = "\"" + std::string(kFieldLimit, 'i') + "\"...(102400 bytes)";
    RunResult nope = run_kexec({"-l", "--dry-run", "--uki-profile=nope", uki}, nullptr);
    cr_expect_neq(nope.rc, 0);
    cr_expect(contains(nope.err, "ID=" + cut) && contains(nope.err, "TITLE=" + cut), "%s", nope.err.c_str());
    cr_expect_lt(nope.err.size(), 600u, "%zu bytes", nope.err.size());
    RunResult plan = run_kexec({"-d", "-l", "--dry-run", "--uki-profile=0", uki}, nullptr);
    cr_assert_eq(plan.rc, 0);
    cr_expect(contains(plan.out, "ID=" + cut) && plan.out.size() < 8192, "%zu bytes", plan.out.size());
    cr_expect(plan.err.size() < 4096, "%zu bytes", plan.err.size());
    RunResult info = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(info.rc, 0);
    cr_expect(contains(info.out, "@0 ID=" + cut) && info.out.size() < 8192, "%zu bytes", info.out.size());
    RunResult given = run_kexec({"-l", "--dry-run", "--uki-profile=" + std::string(5000, 'g'), uki}, nullptr);
    cr_expect(given.err.size() < 600u, "the ID asked for is cut too: %zu bytes", given.err.size());
}

// Names of files in <uki>.extra.d/: a refused one is named in a note (the
// plan and -d), an accepted one is a piece of the initrd (JSON).
Test(escaping, sidecar_file_names) {
    const std::string dir = scratch_dir();
    const std::string uki = write_file(dir + "/s.efi", make_stub_pe({section(".linux", make_bzimage())}));
    const std::string extra = uki + ".extra.d";
    cr_assert_eq(::mkdir(extra.c_str(), 0755), 0);
    const std::string refused = extra + "/r" + kHostile.substr(0, 7) + ".cred";
    write_file(refused, "R");
    cr_assert_eq(::chmod(refused.c_str(), 0666), 0);  // writable by others: skipped, with a note
    write_file(extra + "/a" + kHostile.substr(0, 7) + ".cred", "A");
    write_file(extra + "/n\xff.cred", "N");  // not ASCII: skipped silently, as systemd-stub does
    RunResult plan = run_kexec({"-d", "-l", "--dry-run", uki}, nullptr);
    cr_assert_eq(plan.rc, 0, "%s", printable(plan.err).c_str());
    expect_clean(plan, "plan");
    cr_expect(contains(plan.out, "/r\\x1b[2J\\x07\\x0d\\x0a.cred: "), "%s", plan.out.c_str());
    cr_expect(contains(plan.err, "/r\\x1b[2J\\x07\\x0d\\x0a.cred: "), "%s", plan.err.c_str());
    cr_expect(contains(plan.out, "credentials (1 from "), "%s", plan.out.c_str());
    RunResult json = run_kexec({"-d", "-l", "--dry-run=json", uki}, nullptr);
    cr_assert_eq(json.rc, 0);
    expect_clean(json, "json", true);
    cr_expect(contains(json.out, "a\\u001b[2J\\u0007\\r\\n.cred"), "%s", json.out.c_str());
    RunResult segments = run_kexec({"-d", "-c", "-l", "--dry-run", uki}, nullptr);
    expect_clean(segments, "-c");
}

// The helpers themselves: one escaping, idempotent where it must be.
Test(escaping, helpers) {
    auto eq = [](const std::string& got, const std::string& want) {
        cr_expect(got == want, "got %s, want %s", printable(got).c_str(), printable(want).c_str());
    };
    eq(printable("a\\b\x1b"), "a\\\\b\\x1b");
    eq(terminal_line("a\\b\x1b\n"), "a\\b\\x1b\\x0a");
    eq(terminal_text("a\x07\nb\r\n"), "a\\x07\nb\\x0d\n");
    const std::string once = field("x\x1b\\y");
    eq(terminal_line(once), once);  // a sink does not escape escaped text again
    eq(terminal_text(once), once);
    eq(terminal_line(quote("\x1b\"\n")), quote("\x1b\"\n"));
    eq(field(std::string(kFieldLimit, 'f')), std::string(kFieldLimit, 'f'));
    eq(field(std::string(kFieldLimit + 1, 'f')), std::string(kFieldLimit, 'f') + "...(65 bytes)");
    eq(quoted_field("\xff"), "\"\\xff\"");
}

// Text fields --uki-info shows from the file's sections (.uname, .osrel's
// PRETTY_NAME, each .sbat line) are cut like any single field, at the
// longer line limit (found by an outside review: 200,000-byte lines).
Test(escaping, long_text_fields_in_uki_info_are_cut) {
    const std::string big(100000, 'u');
    const std::string uki = uki_with({section(".uname", big), section(".osrel", "PRETTY_NAME=\"" + big + "\"\n"),
                                      section(".sbat", "sbat,1," + big + "\n")});
    RunResult text = run_kexec({"--uki-info", uki}, nullptr);
    cr_assert_eq(text.rc, 0, "%s", text.err.c_str());
    expect_clean(text, "--uki-info");
    for (const std::string& line : split_lines(text.out))
        cr_expect(line.size() <= kLineLimit + 64, "a line of %zu bytes: %.80s...", line.size(), line.c_str());
    cr_expect(contains(text.out, "...(100000 bytes)"), "%s", text.out.substr(0, 2000).c_str());
}
