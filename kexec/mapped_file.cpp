#include "mapped_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kx {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return make_error(path + ": cannot open: " + std::strerror(errno), errno);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return make_error(path + ": cannot stat: " + std::strerror(err), err);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return make_error(path + ": is a directory, not a kernel image", EISDIR);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(path + ": not a regular file", EINVAL);
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = path;
    file->fd_ = fd;
    file->size_ = static_cast<uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return make_error(path + ": cannot map: " + std::strerror(errno), errno);
        file->data_ = static_cast<const uint8_t*>(p);
        file->mapped_ = true;
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
    if (mapped_)
        munmap(const_cast<uint8_t*>(data_), size_);
    if (fd_ >= 0)
        ::close(fd_);
}

}  // namespace kx
