// SPDX-License-Identifier: GPL-2.0-or-later
/* LD_PRELOAD shim for guest tests: intercepts syscall(SYS_kexec_load, ...),
 * the way both kexec-tools and kexec-uki issue it.
 *
 *   KX_SHIM=flip       copy the initrd segment (the one that starts with the
 *                      newc magic "070701"), flip one byte in the copy, and
 *                      pass the call on: the purgatory must notice.
 *   KX_SHIM=dump:DIR   write every segment to DIR/segN.bin and a summary to
 *                      DIR/segments, and return success without loading.
 *   KX_SHIM=fake       (benchmarks) read what a kernel would read, load
 *                      nothing: kexec_load succeeds; kexec_file_load
 *                      succeeds, or, for a *.efi file, reads all of it and
 *                      fails with ENOEXEC, as today's kernels do for a
 *                      whole UKI.
 *   KX_SHIM_MEMORY=FILE  (with fake) at each call, append the caller's
 *                      memory to FILE: "peak_rss anon file shmem memfd" in
 *                      KiB (VmHWM, RssAnon, RssFile, RssShmem of
 *                      /proc/self/status; memfd: bytes held in memfds, mapped
 *                      or not, which RSS does not show).
 *   KX_SHIM_OVERLAY=DIR  (benchmarks) open() of an absolute path P opens
 *                      DIR/P instead when that exists: the machine's own
 *                      /proc and /sys but for a few files (lockdown, the
 *                      load limit), without a fixture sysroot (which kexec
 *                      honours only in dry runs).
 *
 * A test tool; no part of kexec-uki. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

struct segment {
    const void *buf;
    size_t bufsz;
    const void *mem;
    size_t memsz;
};

static long dump(const char *dir, unsigned long entry, unsigned long n, const struct segment *segs,
                 unsigned long flags) {
    char path[4096];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/segments", dir);
    FILE *summary = fopen(path, "w");
    if (!summary)
        return -1;
    fprintf(summary, "entry 0x%lx flags 0x%lx\n", entry, flags);
    for (unsigned long i = 0; i < n; i++) {
        fprintf(summary, "seg%lu mem 0x%lx memsz 0x%zx bufsz 0x%zx\n", i, (unsigned long)(uintptr_t)segs[i].mem,
                segs[i].memsz, segs[i].bufsz);
        snprintf(path, sizeof path, "%s/seg%lu.bin", dir, i);
        FILE *f = fopen(path, "w");
        if (f) {
            fwrite(segs[i].buf, 1, segs[i].bufsz, f);
            fclose(f);
        }
    }
    fclose(summary);
    fprintf(stderr, "kexec-shim: dumped %lu segments to %s\n", n, dir);
    return 0;
}

static long status_kib(const char *status, const char *key) {
    const char *at = strstr(status, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* What the caller holds at the moment of the call (KX_SHIM_MEMORY). */
static void record_memory(void) {
    const char *out = getenv("KX_SHIM_MEMORY");
    if (!out)
        return;
    char status[8192] = "";
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        size_t n = fread(status, 1, sizeof status - 1, f);
        status[n] = 0;
        fclose(f);
    }
    long long memfd = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char link[300], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        struct stat st;
        if (n > 7 && strncmp(target, "/memfd:", 7) == 0 && stat(link, &st) == 0)
            memfd += st.st_size;
    }
    if (d)
        closedir(d);
    f = fopen(out, "a");
    if (f) {
        fprintf(f, "%ld %ld %ld %ld %lld\n", status_kib(status, "VmHWM:"), status_kib(status, "RssAnon:"),
                status_kib(status, "RssFile:"), status_kib(status, "RssShmem:"), memfd / 1024);
        fclose(f);
    }
}

/* Read an fd to its end, as the kernel's kexec_file_load does. */
static void drain(int fd) {
    static char buf[1 << 16];
    off_t off = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, off)) > 0)
        off += n;
}

static long fake_file_load(int kernel_fd, int initrd_fd) {
    char link[64], target[4096] = "";
    snprintf(link, sizeof link, "/proc/self/fd/%d", kernel_fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    drain(kernel_fd);  // all of it before any loader looks (kernel_read_file)
    if (n > 4 && strcmp(target + n - 4, ".efi") == 0) {
        errno = ENOEXEC;
        return -1;
    }
    if (initrd_fd >= 0)
        drain(initrd_fd);
    return 0;
}

/* KX_SHIM_OVERLAY=DIR: open() of an absolute path P opens DIR/P instead
 * when that exists. -2 when there is no such file (or no overlay). */
static int overlay_fd(const char *name, const char *path, int flags) {
    const char *dir = getenv("KX_SHIM_OVERLAY");
    char in_overlay[4096];
    if (!dir || !path || path[0] != '/' ||
        snprintf(in_overlay, sizeof in_overlay, "%s%s", dir, path) >= (int)sizeof in_overlay ||
        access(in_overlay, F_OK) != 0)
        return -2;
    int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
    return real(in_overlay, flags);
}

static int open_with(const char *name, const char *path, int flags, va_list ap) {
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
    int fd = overlay_fd(name, path, flags);
    if (fd != -2)
        return fd;
    int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
    return real(path, flags, mode);
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    int fd = open_with("open", path, flags, ap);
    va_end(ap);
    return fd;
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    int fd = open_with("open64", path, flags, ap);
    va_end(ap);
    return fd;
}

long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    static long (*real)(long, ...);
    if (!real)
        real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    const char *mode = getenv("KX_SHIM");
    if (mode && strcmp(mode, "fake") == 0) {
        if (number == SYS_kexec_file_load) {
            record_memory();
            return fake_file_load((int)a[0], (int)a[1]);
        }
        if (number == SYS_kexec_load) {
            record_memory();
            const struct segment *segs = (const struct segment *)a[2];
            volatile unsigned char sink = 0;  /* touch what the kernel would copy */
            for (long i = 0; i < a[1]; i++)
                for (size_t o = 0; o < segs[i].bufsz; o += 4096)
                    sink ^= ((const unsigned char *)segs[i].buf)[o];
            (void)sink;
            return 0;
        }
    }
    if (number == SYS_kexec_load && mode && a[1] > 0) {
        unsigned long n = (unsigned long)a[1];
        const struct segment *segs = (const struct segment *)a[2];
        if (strncmp(mode, "dump:", 5) == 0)
            return dump(mode + 5, (unsigned long)a[0], n, segs, (unsigned long)a[3]);
        if (strcmp(mode, "flip") == 0) {
            struct segment *copy = calloc(n, sizeof *copy);
            memcpy(copy, segs, n * sizeof *copy);
            for (unsigned long i = 0; i < n; i++) {
                if (copy[i].bufsz > 4096 && memcmp(copy[i].buf, "070701", 6) == 0) {
                    unsigned char *b = malloc(copy[i].bufsz);
                    memcpy(b, copy[i].buf, copy[i].bufsz);
                    b[copy[i].bufsz / 2] ^= 0x01;
                    copy[i].buf = b;
                    fprintf(stderr, "kexec-shim: flipped byte 0x%zx of the initrd segment at 0x%lx\n",
                            copy[i].bufsz / 2, (unsigned long)(uintptr_t)copy[i].mem);
                    break;
                }
            }
            return real(number, a[0], n, copy, a[3], a[4], a[5]);
        }
    }
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
