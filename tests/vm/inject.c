/* inject.c — /bin/yogurt (the shipped binary, unchanged) run under a
 * seccomp listener that sees each of its kernel calls before the kernel
 * does: the one numbered `at` fails with an errno that call can really
 * return, or the process is killed with SIGKILL right there. Like strace's
 * --inject=...:when=N, without strace and its libraries in the image. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "suite.h"
#include "format/format.h"

#if defined(__x86_64__)
#define AUDIT_ARCH_THIS AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_THIS AUDIT_ARCH_AARCH64
#endif

/* Calls that are not injection points: the exec itself, the way out, the
 * C library's start (a failure there is no failure yogurt could meet), the
 * ones that cannot fail (the signal mask, pids, the clock); and sendmsg,
 * which the child hands the listener over with (yogurt never calls it). */
static const int passed_calls[] = {
	SYS_sendmsg, SYS_execve, SYS_exit, SYS_exit_group, SYS_rt_sigreturn, SYS_set_tid_address,
	SYS_rt_sigprocmask, SYS_rt_sigtimedwait, SYS_getpid, SYS_gettid, SYS_clock_gettime,
#ifdef SYS_arch_prctl
	SYS_arch_prctl,
#endif
};

/* What each kind of call can really return, taken in turn. */
struct call_errors {
	int number;
	const char *name;
	int errors[3];
};

static const struct call_errors call_errors[] = {
	{ SYS_bpf, "bpf", { ENOMEM, EPERM, EBUSY } },
	{ SYS_socket, "socket", { ENOMEM, EMFILE, ENOBUFS } },
	{ SYS_bind, "bind", { ENOMEM, EADDRINUSE, ENOBUFS } },
	{ SYS_setsockopt, "setsockopt", { ENOMEM, ENOBUFS, ENOMEM } },
	{ SYS_getsockopt, "getsockopt", { ENOMEM, ENOBUFS, ENOMEM } },
	{ SYS_sendto, "sendto", { ENOBUFS, ENOMEM, EINTR } },
	{ SYS_recvfrom, "recvfrom", { EINTR, ENOBUFS, ENOMEM } },
	{ SYS_recvmsg, "recvmsg", { EINTR, ENOBUFS, ENOMEM } },
	{ SYS_mount, "mount", { EPERM, ENOMEM, EBUSY } },
	{ SYS_umount2, "umount2", { EBUSY, EPERM, ENOMEM } },
	{ SYS_unshare, "unshare", { ENOMEM, ENOSPC, EPERM } },
	{ SYS_setns, "setns", { ENOMEM, EPERM, ENOMEM } },
	{ SYS_openat, "openat", { EACCES, ENOMEM, EMFILE } },
#ifdef SYS_open
	{ SYS_open, "open", { EACCES, ENOMEM, EMFILE } },
#endif
	{ SYS_mkdirat, "mkdirat", { ENOSPC, EACCES, ENOMEM } },
#ifdef SYS_mkdir
	{ SYS_mkdir, "mkdir", { ENOSPC, EACCES, ENOMEM } },
#endif
	{ SYS_unlinkat, "unlinkat", { EBUSY, EACCES, EIO } },
#ifdef SYS_unlink
	{ SYS_unlink, "unlink", { EBUSY, EACCES, EIO } },
#endif
#ifdef SYS_rmdir
	{ SYS_rmdir, "rmdir", { EBUSY, EACCES, EIO } },
#endif
	{ SYS_renameat2, "renameat2", { EBUSY, ENOSPC, EACCES } },
#ifdef SYS_rename
	{ SYS_rename, "rename", { EBUSY, ENOSPC, EACCES } },
#endif
	{ SYS_statx, "statx", { ENOMEM, EACCES, EIO } },
	{ SYS_fstat, "fstat", { ENOMEM, EIO, ENOMEM } },
	{ SYS_newfstatat, "newfstatat", { ENOMEM, EACCES, EIO } },
	{ SYS_flock, "flock", { EINTR, ENOLCK, EINTR } },
	{ SYS_getrandom, "getrandom", { EINTR, EAGAIN, EINTR } },
	{ SYS_read, "read", { EINTR, EIO, ENOMEM } },
	{ SYS_pread64, "pread64", { EINTR, EIO, ENOMEM } },
	{ SYS_write, "write", { EIO, ENOSPC, EINTR } },
	{ SYS_close, "close", { EINTR, EIO, EINTR } },
	{ SYS_mmap, "mmap", { ENOMEM, ENOMEM, EAGAIN } },
	{ SYS_munmap, "munmap", { ENOMEM, ENOMEM, ENOMEM } },
	{ SYS_fdatasync, "fdatasync", { EIO, ENOSPC, EIO } },
	{ SYS_fsync, "fsync", { EIO, ENOSPC, EIO } },
	{ SYS_ftruncate, "ftruncate", { EIO, EINTR, EIO } },
	{ SYS_getdents64, "getdents64", { ENOMEM, EIO, ENOMEM } },
	{ SYS_capget, "capget", { EPERM, ENOMEM, EPERM } },
	{ SYS_ioctl, "ioctl", { ENOTTY, EIO, ENOMEM } },
	{ SYS_fcntl, "fcntl", { EINVAL, EBADF, EINVAL } },
	{ SYS_ppoll, "ppoll", { EINTR, ENOMEM, EINTR } },
#ifdef SYS_poll
	{ SYS_poll, "poll", { EINTR, ENOMEM, EINTR } },
#endif
	{ SYS_prctl, "prctl", { EINVAL, EPERM, EINVAL } },
	{ SYS_finit_module, "finit_module", { ENOMEM, EPERM, EBUSY } },
};

static const struct call_errors *errors_of(int number)
{
	for (size_t index = 0; index < sizeof(call_errors) / sizeof(call_errors[0]); index++)
		if (call_errors[index].number == number)
			return &call_errors[index];
	return NULL;
}

const char *inject_call_name(int number, char *buffer, size_t size)
{
	const struct call_errors *known = errors_of(number);

	if (known)
		return known->name;
	format_string(buffer, size, "syscall %d", number);
	return buffer;
}

static int install_listener(void)
{
	enum { PASSED = sizeof(passed_calls) / sizeof(passed_calls[0]) };
	struct sock_filter filter[4 + PASSED + 2];
	struct sock_fprog program = { .len = 0, .filter = filter };

	filter[program.len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							     offsetof(struct seccomp_data, arch));
	filter[program.len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							     AUDIT_ARCH_THIS, 1, 0);
	filter[program.len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	filter[program.len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							     offsetof(struct seccomp_data, nr));
	/* Each passed call jumps over the rest and the notification, to ALLOW. */
	for (int index = 0; index < PASSED; index++)
		filter[program.len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
								     (unsigned)passed_calls[index],
								     (unsigned char)(PASSED - index), 0);
	filter[program.len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	filter[program.len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &program);
}

static int send_fd(int channel, int fd)
{
	char byte = 0, control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec vector = { &byte, 1 };
	struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
				  .msg_controllen = sizeof(control) };
	struct cmsghdr *header = CMSG_FIRSTHDR(&message);

	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(header), &fd, sizeof(int));
	return sendmsg(channel, &message, 0) == 1 ? 0 : -1;
}

static int receive_fd(int channel)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec vector = { &byte, 1 };
	struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
				  .msg_controllen = sizeof(control) };
	struct cmsghdr *header;
	int fd = -1;

	if (recvmsg(channel, &message, 0) != 1)
		return -1;
	header = CMSG_FIRSTHDR(&message);
	if (header && header->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(header), sizeof(int));
	return fd;
}

/* Answers the child's calls until it is gone. */
static void supervise(int listener, pid_t child, struct injection *injection)
{
	struct seccomp_notif request;
	struct seccomp_notif_resp response;

	for (;;) {
		struct pollfd wait = { listener, POLLIN, 0 };

		if (poll(&wait, 1, 60000) <= 0 || !(wait.revents & POLLIN))
			return;	/* POLLHUP: the child is gone */
		memset(&request, 0, sizeof(request));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &request) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return;
		}
		memset(&response, 0, sizeof(response));
		response.id = request.id;
		response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		injection->calls++;
		if (injection->calls == injection->at) {
			const struct call_errors *known = errors_of(request.data.nr);

			injection->injected_call = request.data.nr;
			if (injection->signal) {
				kill(child, injection->signal);	/* the call goes on */
			} else if (injection->kill) {
				kill(child, SIGKILL);
			} else {
				injection->injected_error = known ? known->errors[injection->at % 3] : EIO;
				response.flags = 0;
				response.error = -injection->injected_error;
			}
		}
		if (injection->signal && injection->calls == injection->again_at)
			kill(child, injection->signal);
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
	}
}

int run_yogurt_injected(const char *command, struct injection *injection, char *output,
			size_t size)
{
	char words[256], *arguments[12] = { YOGURT };
	int output_pipe[2], channel[2], status = 0, listener, count = 1;
	pid_t child;

	format_string(words, sizeof(words), "%s", command);
	for (char *word = strtok(words, " "); word && count < 11; word = strtok(NULL, " "))
		arguments[count++] = word;
	arguments[count] = NULL;
	injection->calls = 0;
	injection->injected_call = -1;
	injection->injected_error = 0;
	if (pipe2(output_pipe, O_CLOEXEC) < 0)
		return -2;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) < 0)
		return -2;
	child = fork();
	if (child == 0) {
		int fd;

		dup2(output_pipe[1], 1);
		dup2(output_pipe[1], 2);
		fd = install_listener();
		if (fd < 0 || send_fd(channel[1], fd) < 0)
			_exit(126);
		close(fd);
		execv(arguments[0], arguments);
		_exit(127);
	}
	close(output_pipe[1]);
	close(channel[1]);
	listener = child > 0 ? receive_fd(channel[0]) : -1;
	close(channel[0]);
	if (listener >= 0) {
		supervise(listener, child, injection);
		close(listener);
	}
	read_output(output_pipe[0], output, size);
	if (child < 0 || waitpid(child, &status, 0) < 0)
		return -2;
	if (WIFSIGNALED(status))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}
