// SPDX-License-Identifier: GPL-2.0-or-later
// Inputs that change or misbehave under us: files that shrink while we read
// them, and (below) FIFOs, bombs and unwritable output. None may crash or
// hang kexec, and none may reach a syscall.
#include <criterion/criterion.h>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/backend.hpp"
#include "helpers.hpp"
#include "sys/mapped_file.hpp"
#include "data/payload.hpp"

using namespace kx;
using namespace kxt;

namespace {

constexpr size_t kMiB = 1 << 20;

std::string big_file(const std::string& name, size_t size) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; i++)
        bytes[i] = static_cast<char>(i * 7 + 1);
    return write_file(scratch_dir() + "/" + name, bytes);
}

}  // namespace

Test(shrinking_file, reading_past_the_new_end_reads_zeros_and_is_reported) {
    const std::string path = big_file("shrinks", 4 * kMiB);
    auto file = MappedFile::open(path);
    cr_assert(file.ok());
    cr_assert(check_inputs_unchanged().ok());
    cr_assert_eq(truncate(path.c_str(), kMiB), 0);
    // Without the SIGBUS guard this read kills the process.
    volatile uint8_t past_end = (*file)->bytes()[3 * kMiB];
    cr_assert_eq(past_end, 0);
    Status st = (*file)->check_unchanged();
    cr_assert(!st.ok());
    cr_assert(contains(st.error().message, path + ": the file changed while kexec read it"), "%s",
              st.error().message.c_str());
    cr_assert_eq(st.error().exit_status, 1);
    cr_assert(!check_inputs_unchanged().ok());
}

Test(shrinking_file, hashing_a_shrunk_file_does_not_fall_back_to_the_mapping) {
    const std::string path = big_file("shrinks-hash", 8 * kMiB);
    auto file = MappedFile::open(path);
    cr_assert(file.ok());
    Payload p = Payload::whole_file(*file, "shrinks-hash");
    cr_assert_eq(truncate(path.c_str(), 2 * kMiB), 0);
    (void)p.sha256();
    cr_assert(!(*file)->check_unchanged().ok());
}

Test(shrinking_file, growing_is_a_change_too) {
    const std::string path = big_file("grows", kMiB);
    auto file = MappedFile::open(path);
    cr_assert(file.ok());
    cr_assert_eq(truncate(path.c_str(), 2 * kMiB), 0);
    Status st = (*file)->check_unchanged();
    cr_assert(!st.ok());
    cr_assert(contains(st.error().message, "1048576 bytes when opened, 2097152 now"), "%s",
              st.error().message.c_str());
}

// The guard only covers our own mappings: any other bus error still kills
// the process as it would without us.
Test(shrinking_file, other_bus_errors_still_kill, .signal = SIGBUS) {
    signal(SIGBUS, SIG_DFL);  // as a program without ASan's handler starts (ASan would report and exit)
    const std::string path = big_file("not-ours", 2 * kMiB);
    auto guarded = MappedFile::open(path);  // installs the handler
    cr_assert(guarded.ok());
    int fd = open(path.c_str(), O_RDONLY);
    auto* raw = static_cast<volatile uint8_t*>(mmap(nullptr, 2 * kMiB, PROT_READ, MAP_PRIVATE, fd, 0));
    cr_assert_eq(truncate(path.c_str(), 0), 0);
    (void)raw[kMiB];
    cr_assert_fail("the read past the end did not fault");
}

// --- files that are not regular files ----------------------------------------

namespace {

struct Inputs {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string uki = write_file(dir + "/foo.efi", make_stub_pe({section(".linux", make_bzimage())}));
    std::string fifo = dir + "/fifo";
    Inputs() { cr_assert_eq(mkfifo(fifo.c_str(), 0600), 0); }
};

// Exit statuses as kexec-tools: an input kexec_file_load cannot open is its
// EFAILED (255); with -c (slurp_file's die()) and for --uki-info, 1.
void expect_refused(const std::vector<std::string>& args, const std::string& message) {
    RecordingBackend rec;
    RunResult r = run_kexec(args, &rec);
    const int status = args[0] == "-s" ? 255 : 1;
    cr_assert_eq(r.rc, status, "%s: %d %s", args.back().c_str(), r.rc, r.err.c_str());
    cr_assert(contains(r.err, message), "expected %s\n got %s", message.c_str(), r.err.c_str());
    cr_assert_eq(std::count(r.err.begin(), r.err.end(), '\n'), 1, "one line: %s", r.err.c_str());
    cr_assert(rec.calls.empty());
}

}  // namespace

// Opening a FIFO for reading waits for a writer: kexec hung forever.
Test(not_a_regular_file, a_fifo_anywhere_is_refused_at_once, .timeout = 20) {
    Inputs in;
    const std::string message = in.fifo + ": is a FIFO, not a regular file";
    expect_refused({"-s", "-l", in.fifo}, message);
    expect_refused({"-c", "-l", in.fifo}, message);
    expect_refused({"-s", "-l", "--initrd=" + in.fifo, in.kernel}, message);
    expect_refused({"-s", "-l", "--uki-addon=" + in.fifo, in.uki}, message);
    expect_refused({"--uki-info", in.fifo}, message);
}

Test(not_a_regular_file, devices_and_directories, .timeout = 20) {
    Inputs in;
    expect_refused({"-s", "-l", "/dev/null"}, "/dev/null: is a character device, not a regular file");
    expect_refused({"-s", "-l", "--initrd=/dev/zero", in.kernel}, "/dev/zero: is a character device");
    expect_refused({"-s", "-l", in.dir}, in.dir + ": is a directory");
}

// /proc files report size 0 and have contents; an empty initrd silently
// became "no initrd" (KEXEC_FILE_NO_INITRAMFS).
Test(not_a_regular_file, size_zero_initrds) {
    Inputs in;
    expect_refused({"-s", "-l", "--initrd=/proc/self/status", in.kernel},
                   "/proc/self/status: reports a size of 0 but is not empty");
    expect_refused({"-s", "-l", "--initrd=/proc/self/status", in.uki},
                   "/proc/self/status: reports a size of 0 but is not empty");
    const std::string empty = write_file(in.dir + "/empty.img", "");
    expect_refused({"-s", "-l", "--initrd=" + empty, in.kernel}, empty + ": the initrd is empty (0 bytes)");
    expect_refused({"-c", "-l", "--initrd=" + empty, in.kernel}, empty + ": the initrd is empty (0 bytes)");
}

// --- output that cannot be written -------------------------------------------

// `kexec --uki-info F >/dev/full` exited 0 having printed nothing.
Test(unwritable_output, every_printing_action_fails_on_a_full_disk) {
    Inputs in;
    const std::string kexec = std::string(KX_BUILDDIR) + "/sbin/kexec";
    for (const std::string& args : {"--uki-info " + in.uki, "--uki-info --json " + in.uki,
                                   "-s -l --dry-run=json " + in.uki, "-s -l --dry-run " + in.kernel, std::string("--help"),
                                   std::string("--version")}) {
        const std::string out =
            shell_output("KEXEC_UKI_NO_REAL_SYSCALLS=1 " + kexec + " " + args + " 2>&1 >/dev/full; echo rc=$?");
        // ENOSPC when the last flush fails; help is long enough to fail earlier.
        cr_assert(contains(out, "kexec: cannot write to standard output: No space left on device\nrc=1") ||
                      contains(out, "kexec: cannot write to standard output: a write failed\nrc=1"),
                  "%s: %s", args.c_str(), out.c_str());
    }
}

// newc cpio holds sizes in 8 hex digits: a 5 GiB sysext beside a UKI was
// written with its size cut to 32 bits (a corrupt archive). Now an error.
Test(sidecars, a_sysext_too_large_for_cpio_is_refused) {
    Inputs in;
    const std::string extra = in.uki + ".extra.d";
    cr_assert_eq(mkdir(extra.c_str(), 0755), 0);
    const std::string big = extra + "/huge.raw";
    cr_assert_eq(run_shell("truncate -s 5G '" + big + "'"), 0);
    RecordingBackend rec;
    RunResult r = run_kexec({"-s", "-l", in.uki}, &rec);
    cr_assert_neq(r.rc, 0);
    cr_assert(contains(r.err, "huge.raw: 5368709120 bytes is more than a cpio archive entry can hold"), "%s",
              r.err.c_str());
    cr_assert(rec.calls.empty());
}
