// SPDX-License-Identifier: GPL-2.0-or-later
#include "data/memfd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

namespace kx {
namespace {

Status write_all(int fd, const uint8_t* data, uint64_t size, const std::string& name) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size > (1u << 30) ? (1u << 30) : size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return make_error("memfd " + name + ": write failed: " + std::strerror(errno), errno);
        }
        data += n;
        size -= static_cast<uint64_t>(n);
    }
    return {};
}

// Copy [offset, offset+size) of src_fd to the end of dst_fd without passing
// the bytes through user space when the kernel allows it.
Status copy_range(int src_fd, uint64_t offset, uint64_t size, int dst_fd, const uint8_t* fallback,
                  const std::string& name) {
    bool try_cfr = true, try_sendfile = true;
    while (size > 0) {
        ssize_t n = -1;
        size_t chunk = size > (1u << 30) ? (1u << 30) : size;
        if (try_cfr) {
            loff_t in = static_cast<loff_t>(offset);
            n = copy_file_range(src_fd, &in, dst_fd, nullptr, chunk, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                try_cfr = false;  // EXDEV (file to tmpfs), EINVAL, ENOSYS...: try sendfile
                continue;
            }
        } else if (try_sendfile) {
            off_t in = static_cast<off_t>(offset);
            n = sendfile(dst_fd, src_fd, &in, chunk);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                try_sendfile = false;
                continue;
            }
        } else {
            return write_all(dst_fd, fallback, size, name);
        }
        if (n == 0)  // the file shrank under us
            return make_error("memfd " + name + ": source file ended early", EIO);
        offset += static_cast<uint64_t>(n);
        fallback += n;
        size -= static_cast<uint64_t>(n);
    }
    return {};
}

Result<int> fill_memfd(const Payload& payload, const std::string& name) {
    int fd = memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return make_error("cannot create memfd " + name + ": " + std::strerror(errno), errno);
    auto fail = [&](Error e) -> Result<int> {
        ::close(fd);
        return e;
    };
    for (const Piece& p : payload.pieces()) {
        Status st;
        if (!p.file) {
            static const uint8_t zeros[4096] = {};
            for (uint64_t left = p.size; left > 0 && st.ok();) {
                uint64_t n = left < sizeof zeros ? left : sizeof zeros;
                st = write_all(fd, zeros, n, name);
                left -= n;
            }
        } else if (p.file->fd() >= 0) {
            st = copy_range(p.file->fd(), p.offset, p.size, fd, p.bytes().data(), name);
            if (!st.ok() && !p.file->check_unchanged().ok())
                st = p.file->check_unchanged();  // name the file that shrank, not our memfd
        } else {
            st = write_all(fd, p.bytes().data(), p.size, name);
        }
        if (!st.ok())
            return fail(st.take_error());
    }
    // Sealed: nobody (including us) can change the bytes between now and the
    // kernel reading them.
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
        return fail(make_error("cannot seal memfd " + name + ": " + std::strerror(errno), errno));
    return fd;
}

}  // namespace

PayloadFd& PayloadFd::operator=(PayloadFd&& o) noexcept {
    if (this != &o) {
        if (owned_ && fd_ >= 0)
            ::close(fd_);
        fd_ = o.fd_;
        owned_ = o.owned_;
        o.fd_ = -1;
    }
    return *this;
}

PayloadFd::~PayloadFd() {
    if (owned_ && fd_ >= 0)
        ::close(fd_);
}

Result<PayloadFd> payload_fd(const Payload& payload, const std::string& name) {
    if (const MappedFile* f = payload.as_whole_file())
        return PayloadFd(f->fd(), false);
    KX_ASSIGN(int fd, fill_memfd(payload, name));
    return PayloadFd(fd, true);
}

Result<FileRef> sealed_copy(const FileRef& file) {
    KX_ASSIGN(int fd, fill_memfd(Payload::whole_file(file, file->path()), "kexec-uki-verified"));
    if (Status st = file->check_unchanged(); !st.ok()) {
        ::close(fd);
        return st.take_error();
    }
    return MappedFile::adopt(fd, file->path());
}

PayloadView::PayloadView(PayloadView&& o) noexcept
    : bytes_(o.bytes_), map_(o.map_), map_size_(o.map_size_) {
    o.map_ = nullptr;
    o.bytes_ = {};
}

PayloadView& PayloadView::operator=(PayloadView&& o) noexcept {
    if (this != &o) {
        if (map_)
            munmap(map_, map_size_);
        bytes_ = o.bytes_;
        map_ = o.map_;
        map_size_ = o.map_size_;
        o.map_ = nullptr;
        o.bytes_ = {};
    }
    return *this;
}

PayloadView::~PayloadView() {
    if (map_)
        munmap(map_, map_size_);
}

Result<PayloadView> PayloadView::of(const Payload& payload, const std::string& name) {
    PayloadView v;
    if (payload.pieces().size() == 1 && payload.pieces().front().file) {
        v.bytes_ = payload.pieces().front().bytes();  // a slice of a mapping: no copy
        return v;
    }
    if (payload.size() == 0)
        return v;
    KX_ASSIGN(int fd, fill_memfd(payload, name));
    void* p = mmap(nullptr, payload.size(), PROT_READ, MAP_SHARED, fd, 0);
    int err = errno;
    ::close(fd);
    if (p == MAP_FAILED)
        return make_error("cannot map memfd " + name + ": " + std::strerror(err), err);
    v.map_ = p;
    v.map_size_ = payload.size();
    v.bytes_ = {static_cast<const uint8_t*>(p), payload.size()};
    return v;
}

}  // namespace kx
