// SPDX-License-Identifier: GPL-2.0-or-later
/* memfd-copy FILE: copy FILE into a memfd with one sendfile loop, then read
 * the memfd back once as kexec_file_load would, and exit: the least any
 * split of a UKI must cost (one copy out of the page cache, and the
 * kernel's read of what it is given). bench/run's floor for -s. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: memfd-copy FILE\n");
        return 2;
    }
    int in = open(argv[1], O_RDONLY | O_CLOEXEC);
    int out = memfd_create("bench-copy", MFD_CLOEXEC);
    struct stat st;
    if (in < 0 || out < 0 || fstat(in, &st) != 0) {
        perror("memfd-copy");
        return 1;
    }
    off_t at = 0;
    while (at < st.st_size) {
        ssize_t n = sendfile(out, in, &at, (size_t)(st.st_size - at));
        if (n <= 0) {
            perror("memfd-copy: sendfile");
            return 1;
        }
    }
    static char buf[1 << 16];
    for (off_t back = 0; back < st.st_size;) {
        ssize_t n = pread(out, buf, sizeof buf, back);
        if (n <= 0) {
            perror("memfd-copy: read back");
            return 1;
        }
        back += n;
    }
    return 0;
}
