/* syscalls — the only place in yogurt that calls syscall(2).
 *
 * Each wrapper is a thin, documented door to one system call. They return
 * the kernel's non-negative result, or a negative errno; they never touch
 * the global errno as their way of reporting.
 */
#ifndef YOGURT_SYSCALLS_H
#define YOGURT_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/bpf.h>
#include "uapi_compat.h"

/* bpf(2): cmd is a BPF_* command, attr its argument block of size bytes. */
long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* setns(2): join the namespace behind fd (nstype: CLONE_NEW* or 0). */
int sys_setns(int fd, int nstype);

/* unshare(2): leave the current namespaces named by flags (CLONE_NEW*). */
int sys_unshare(int flags);

/* mount(2) and umount2(2). */
int sys_mount(const char *source, const char *target, const char *fstype,
	      unsigned long flags, const void *data);
int sys_umount2(const char *target, int flags);

/* reboot(2) with the magic numbers filled in; cmd is RB_* / LINUX_REBOOT_CMD_*. */
int sys_reboot(int cmd);

/* clock_gettime(2) by system call: musl's vDSO lookup costs a kilobyte of
 * a 64 KiB binary, and yogurt reads the clock a few times per run. */
int sys_clock_gettime(int clock, struct timespec *now);

/* CLOCK_MONOTONIC in microseconds: the one clock yogurt times things by. */
uint64_t monotonic_us(void);

/* finit_module(2): loads the kernel module in fd (flags: MODULE_INIT_*). */
int sys_finit_module(int fd, const char *arguments, int flags);

/* statx(2): the inode and the size (either pointer may be NULL) of path,
 * or with path "" of the open file fd; otherwise fd is AT_FDCWD. Only
 * these two: musl's stat() carries half a kilobyte of struct conversion. */
int sys_statx(int fd, const char *path, uint64_t *inode, uint64_t *size);

/* socket(2) and accept4(2), always with SOCK_CLOEXEC added: musl's carry
 * fallbacks for kernels older than 2.6.28 that yogurt never meets. */
int sys_socket(int domain, int type, int protocol);
int sys_accept4(int fd, int flags);

/* getdents64(2): directory entries of fd into buffer; bytes filled, 0 at
 * the end. renameat2(2) relative to the working directory (flags:
 * RENAME_NOREPLACE). */
long sys_getdents64(int fd, void *buffer, size_t size);
int sys_renameat2(const char *from, const char *to, unsigned int flags);

/* rt_sigprocmask(2) and rt_sigtimedwait(2) on the kernel's 64-bit signal
 * set (bit N-1: signal N): no handler, so nothing of musl's sigaction
 * machinery. sys_sigwait returns a pending signal of set (taking it), or
 * -EAGAIN when none came within timeout_ms. */
int sys_sigprocmask(int how, const uint64_t *set, uint64_t *old);
int sys_sigwait(uint64_t set, int timeout_ms);

/* getrandom(2): fills len bytes (len <= 256 never returns short). */
long sys_getrandom(void *buffer, size_t len, unsigned int flags);

#endif
