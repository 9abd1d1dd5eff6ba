/* netns.c — named network namespaces, kept alive by bind mounts like ip(8). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "nl.h"
#include "internal.h"
#include "../syscalls/syscalls.h"
#include "../format/format.h"

#define NETNS_NAME_MAX 64

/* Each thread has its own network namespace: prefer the thread's view,
 * falling back for kernels older than 3.17. */
static const char *const current_netns_paths[] = {
	"/proc/thread-self/ns/net",
	"/proc/self/ns/net",
};

int netns_open_current(void)
{
	int fd = -ENOENT;

	for (size_t i = 0; i < sizeof(current_netns_paths) / sizeof(current_netns_paths[0]); i++) {
		fd = open(current_netns_paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		fd = -errno;
		if (fd != -ENOENT)
			break;
	}
	return fd;
}

/* /run/netns/NAME into path; -EINVAL for a name that is not one file name. */
static int netns_path(char *path, size_t size, const char *name)
{
	int len;

	if (!name || name[0] == '\0' || memchr(name, '/', strlen(name)) ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strnlen(name, NETNS_NAME_MAX) >= NETNS_NAME_MAX)
		return -EINVAL;
	len = format_string(path, size, "%s/%s", NETNS_RUN_DIR, name);
	if (len < 0 || (size_t)len >= size)
		return -EINVAL;
	return 0;
}

/* /run/netns must be a shared mount point, so that a namespace mounted
 * there is seen by every mount namespace that shares it (as ip(8) does). */
static int run_dir_prepare(void)
{
	int err;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	err = sys_mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL);
	if (err != -EINVAL)
		return err;
	/* Not a mount point yet: make it one by binding it onto itself. */
	err = sys_mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL);
	if (err < 0)
		return err;
	return sys_mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL);
}

/* Creates a new namespace in this thread, pins it on path, and comes back. */
static int netns_pin_new(const char *path)
{
	int home, err, back;

	home = netns_open_current();
	if (home < 0)
		return home;
	err = sys_unshare(CLONE_NEWNET);
	if (err < 0) {
		close(home);
		return err;
	}
	err = -ENOENT;
	for (size_t i = 0; i < sizeof(current_netns_paths) / sizeof(current_netns_paths[0]); i++) {
		err = sys_mount(current_netns_paths[i], path, "none", MS_BIND, NULL);
		if (err != -ENOENT)
			break;
	}
	back = netns_enter(home);
	close(home);
	if (back < 0) {
		if (err == 0)
			sys_umount2(path, MNT_DETACH);
		return back;
	}
	return err;
}

int netns_add(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX];
	int fd, err;

	err = netns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	err = run_dir_prepare();
	if (err < 0)
		return err;
	/* The mount point; O_EXCL so that we never take over a name. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	err = netns_pin_new(path);
	if (err < 0)
		unlink(path);
	return err;
}

int netns_delete(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX];
	int err;

	err = netns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	/* Its failure (not mounted, or already gone) is told by unlink. */
	sys_umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

int netns_open(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX];
	int fd, err;

	err = netns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

int netns_enter(int netns_fd)
{
	return sys_setns(netns_fd, CLONE_NEWNET);
}
