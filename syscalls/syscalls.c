/* Thin raw-syscall wrappers; see syscalls.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/reboot.h>
#include <linux/stat.h>

#include "syscalls.h"

/* syscall(2) reports through errno; turn that into the -errno convention. */
static long result(long ret)
{
	return ret < 0 ? -errno : ret;
}

long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return result(syscall(SYS_bpf, cmd, attr, size));
}

int sys_setns(int fd, int nstype)
{
	return (int)result(syscall(SYS_setns, fd, nstype));
}

int sys_unshare(int flags)
{
	return (int)result(syscall(SYS_unshare, flags));
}

int sys_mount(const char *source, const char *target, const char *fstype,
	      unsigned long flags, const void *data)
{
	return (int)result(syscall(SYS_mount, source, target, fstype, flags, data));
}

int sys_umount2(const char *target, int flags)
{
	return (int)result(syscall(SYS_umount2, target, flags));
}

int sys_reboot(int cmd)
{
	return (int)result(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
				   LINUX_REBOOT_MAGIC2, cmd, NULL));
}

int sys_clock_gettime(int clock, struct timespec *now)
{
	return (int)result(syscall(SYS_clock_gettime, clock, now));
}

uint64_t monotonic_us(void)
{
	struct timespec now;

	sys_clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

int sys_finit_module(int fd, const char *arguments, int flags)
{
	return (int)result(syscall(SYS_finit_module, fd, arguments, flags));
}

long sys_getrandom(void *buffer, size_t len, unsigned int flags)
{
	return result(syscall(SYS_getrandom, buffer, len, flags));
}

int sys_statx(int fd, const char *path, uint64_t *inode, uint64_t *size)
{
	struct statx facts;
	/* AT_EMPTY_PATH (linux/fcntl.h, 2.6.39): path "" means fd itself. */
	int error = (int)result(syscall(SYS_statx, fd, path, path[0] ? 0 : 0x1000,
					STATX_INO | STATX_SIZE, &facts));

	if (error == 0 && inode)
		*inode = facts.stx_ino;
	if (error == 0 && size)
		*size = facts.stx_size;
	return error;
}

int sys_socket(int domain, int type, int protocol)
{
	return (int)result(syscall(SYS_socket, domain, type | SOCK_CLOEXEC, protocol));
}

int sys_accept4(int fd, int flags)
{
	return (int)result(syscall(SYS_accept4, fd, NULL, NULL, flags | SOCK_CLOEXEC));
}

long sys_getdents64(int fd, void *buffer, size_t size)
{
	return result(syscall(SYS_getdents64, fd, buffer, size));
}

int sys_renameat2(const char *from, const char *to, unsigned int flags)
{
	return (int)result(syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags));
}

int sys_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
	return (int)result(syscall(SYS_rt_sigprocmask, how, set, old, sizeof(*set)));
}

int sys_sigwait(uint64_t set, int timeout_ms)
{
	struct timespec timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

	return (int)result(syscall(SYS_rt_sigtimedwait, &set, NULL, &timeout, sizeof(set)));
}
