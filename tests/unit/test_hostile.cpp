// Inputs that change or misbehave under us: files that shrink while we read
// them, and (below) FIFOs, bombs and unwritable output. None may crash or
// hang kexec, and none may reach a syscall.
#include <criterion/criterion.h>

#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.hpp"
#include "mapped_file.hpp"
#include "payload.hpp"

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
