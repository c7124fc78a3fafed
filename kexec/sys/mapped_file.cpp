// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/mapped_file.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kx {
namespace {

// The live mappings, readable from the SIGBUS handler: fixed slots of
// atomics, no allocation, no locks on the handler's side.
struct MappingSlot {
    std::atomic<const MappedFile*> file{nullptr};
    std::atomic<uintptr_t> begin{0}, end{0};
};
constexpr size_t kMaxMappings = 1024;
std::array<MappingSlot, kMaxMappings> g_mappings;
std::mutex g_registry_lock;  // writers and check_inputs_unchanged(); never the handler
struct sigaction g_previous_sigbus;

void on_mapped_read_fault(int sig, siginfo_t* info, void* context) {
    const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    for (const MappingSlot& slot : g_mappings) {
        const MappedFile* file = slot.file.load(std::memory_order_acquire);
        if (!file || addr < slot.begin.load() || addr >= slot.end.load())
            continue;
        // Past the end of a file that shrank: read zeros from here on and
        // remember that the file changed.
        const uintptr_t page = addr & ~(static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1);
        void* p = mmap(reinterpret_cast<void*>(page), static_cast<size_t>(sysconf(_SC_PAGESIZE)), PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p != MAP_FAILED) {
            file->note_changed();
            return;
        }
        break;
    }
    // Not ours (or no memory for a zero page): what would have happened anyway.
    if (g_previous_sigbus.sa_flags & SA_SIGINFO) {
        g_previous_sigbus.sa_sigaction(sig, info, context);
        return;
    }
    if (g_previous_sigbus.sa_handler != SIG_DFL && g_previous_sigbus.sa_handler != SIG_IGN) {
        g_previous_sigbus.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);  // returning re-runs the access, which now kills us as SIGBUS would
}

void install_fault_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_mapped_read_fault;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &g_previous_sigbus);
    });
}

bool register_mapping(const MappedFile* file) {
    install_fault_handler();
    std::lock_guard lock(g_registry_lock);
    for (MappingSlot& slot : g_mappings) {
        if (slot.file.load())
            continue;
        const auto begin = reinterpret_cast<uintptr_t>(file->bytes().data());
        slot.begin.store(begin);
        slot.end.store(begin + file->size());
        slot.file.store(file, std::memory_order_release);
        return true;
    }
    return false;
}

void unregister_mapping(const MappedFile* file) {
    std::lock_guard lock(g_registry_lock);
    for (MappingSlot& slot : g_mappings)
        if (slot.file.load() == file)
            slot.file.store(nullptr, std::memory_order_release);
}

Error open_error(const std::string& path, const char* what, int err) {
    return make_error(path + ": cannot " + what + ": " + std::strerror(err), err);
}

}  // namespace

const char* file_kind(mode_t mode) {
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer
    // forever. Only regular files get further, and lose the flag.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return open_error(path, "open", errno);
    return adopt(fd, path);
}

Result<std::shared_ptr<const MappedFile>> MappedFile::adopt(int fd, const std::string& path) {
    auto refuse = [&](Error e) {
        ::close(fd);
        return e;
    };
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return refuse(open_error(path, "stat", errno));
    if (S_ISDIR(st.st_mode))
        return refuse(make_error(path + ": is a directory, not a file", EISDIR));
    if (!S_ISREG(st.st_mode))
        return refuse(make_error(path + ": is " + file_kind(st.st_mode) + ", not a regular file: kexec maps its "
                                 "inputs (copy it to a file first)", EINVAL));
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        return refuse(open_error(path, "open", errno));
    if (st.st_size == 0) {
        // /proc and /sys files say 0 and have contents: mapping would see none.
        char probe;
        if (::pread(fd, &probe, 1, 0) > 0)
            return refuse(make_error(path + ": reports a size of 0 but is not empty (a /proc or /sys file?): "
                                     "copy it to a regular file first", EINVAL));
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = path;
    file->fd_ = fd;
    file->size_ = static_cast<uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return open_error(path, "map", errno);
        file->data_ = static_cast<const uint8_t*>(p);
        file->mapped_ = true;
        if (!register_mapping(file.get()))
            return make_error(path + ": cannot map it: kexec reads at most " + std::to_string(kMaxMappings) +
                              " files at once, and this load needs more",
                          EMFILE);
    }
    return std::shared_ptr<const MappedFile>(std::move(file));
}

std::shared_ptr<const MappedFile> MappedFile::from_bytes(std::string display_name,
                                                         std::string bytes) {
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = std::move(display_name);
    file->owned_ = std::move(bytes);
    file->data_ = reinterpret_cast<const uint8_t*>(file->owned_.data());
    file->size_ = file->owned_.size();
    return file;
}

MappedFile::~MappedFile() {
    if (mapped_) {
        unregister_mapping(this);
        munmap(const_cast<uint8_t*>(data_), size_);
    }
    if (fd_ >= 0)
        ::close(fd_);
}

Status MappedFile::check_unchanged() const {
    if (fd_ < 0)
        return {};
    struct stat st {};
    const bool same_size = fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) == size_;
    if (same_size && !changed_.load())
        return {};
    const std::string now = same_size ? "" : ", " + std::to_string(st.st_size) + " now";
    return usage_error(path_ + ": the file changed while kexec read it (" + std::to_string(size_) +
                       " bytes when opened" + now + "): load it again once it is no longer being written");
}

Status check_inputs_unchanged() {
    std::lock_guard lock(g_registry_lock);
    for (const MappingSlot& slot : g_mappings)
        if (const MappedFile* file = slot.file.load())
            KX_TRY(file->check_unchanged());
    return {};
}

}  // namespace kx
