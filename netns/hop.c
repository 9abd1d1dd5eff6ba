/* hop.c — into another network namespace and back, in one place. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "internal.h"
#include "../syscalls/syscalls.h"

int netns_open_current(void *unused)
{
	/* Each thread has its own network namespace: prefer the thread's
	 * view, falling back for kernels older than 3.17. */
	static const char *const paths[] = { "/proc/thread-self/ns/net", "/proc/self/ns/net" };
	int fd = -ENOENT;

	(void)unused;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd == -ENOENT; i++) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	return fd;
}

int netns_make(int netns_fd, int (*make)(void *context), void *context)
{
	int home, made, back;

	if (netns_fd < 0 && netns_fd != NETNS_NEW)
		return make(context);
	home = netns_open_current(NULL);
	if (home < 0)
		return home;
	if (netns_fd == NETNS_NEW)
		made = sys_unshare(CLONE_NEWNET);
	else
		made = sys_setns(netns_fd, CLONE_NEWNET);
	if (made < 0) {
		/* Never left: nothing to come back from. */
		close(home);
		return made;
	}
	made = make(context);
	back = sys_setns(home, CLONE_NEWNET);
	close(home);
	if (back < 0 && made >= 0)
		close(made);
	return back < 0 ? back : made;
}

struct socket_arguments {
	int domain, type, protocol;
};

static int make_socket(void *context)
{
	const struct socket_arguments *arguments = context;

	return sys_socket(arguments->domain, arguments->type, arguments->protocol);
}

int netns_socket(int netns_fd, int domain, int type, int protocol)
{
	struct socket_arguments arguments = { domain, type, protocol };

	return netns_make(netns_fd, make_socket, &arguments);
}

int netns_enter_new(void)
{
	return sys_unshare(CLONE_NEWNET);
}
