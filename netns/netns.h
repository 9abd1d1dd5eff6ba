/* netns — network namespaces: the named ones of the `ip netns` convention
 * (bind mounts under /run/netns), and the hop into a namespace and back.
 *
 * All functions return 0 (or a non-negative value where said) on success and
 * a negative errno on failure. None of them prints anything.
 */
#ifndef YOGURT_NETNS_H
#define YOGURT_NETNS_H

#include <limits.h>
#include <stdint.h>

/* ---- named namespaces (named.c) ---------------------------------------- */

/* Directory of the bind mounts: /run/netns. */
#define NETNS_RUN_DIR "/run/netns"

/* Creates a new network namespace kept alive by a bind mount on
 * /run/netns/NAME (creating /run/netns as a shared mount point like ip(8)
 * does). -EEXIST if NAME is already there. The caller's own namespace is
 * unchanged afterwards. A NAME is one file name of fewer than 64 bytes:
 * -EINVAL for any other, here and below. */
int netns_add(const char *name);

/* The steps of netns_add, for a caller that records what it makes before
 * it has a name (phone/RECORDS.md says why):
 * - netns_new: a new namespace named nowhere, alive only while the
 *   returned fd is open (killed, nothing is left); its inode (the one stat
 *   shows under its name once named) in *inode, unless inode is NULL.
 * - netns_mount_point: a new empty file NETNS_RUN_DIR/NETNS_TEMPORARY, a
 *   name only yogurt uses (a leftover of a killed run is replaced); the
 *   inode of that file, which it keeps when renamed, in *inode.
 * - netns_name: renames that file to NAME, never over an existing name
 *   (-EEXIST), and binds netns_fd onto it. On failure the file is gone. */
#define NETNS_TEMPORARY ".yogurt~new"
int netns_new(uint64_t *inode);
int netns_mount_point(uint64_t *inode);
int netns_name(const char *name, int netns_fd);
void netns_mount_point_remove(void);	/* the temporary file, if there */

/* 0 when NAME is a name netns_add takes, else -EINVAL. */
int netns_check_name(const char *name);

/* Calls visit for each name under /run/netns not starting with '.', with
 * the inode of the name's own file (not of a namespace mounted on it);
 * stops at visit's first non-zero return and returns it. No directory: 0. */
int netns_list(int (*visit)(const char *name, uint64_t file_inode, void *context),
	       void *context);

/* Unmounts (MNT_DETACH) and removes /run/netns/NAME; -ENOENT if absent. */
int netns_delete(const char *name);

/* Opens /run/netns/NAME (O_RDONLY|O_CLOEXEC): returns the fd. */
int netns_open(const char *name);

/* The inode of /run/netns/NAME (its namespace), 0 if there is none. */
uint64_t netns_inode(const char *name);

/* ---- the hop (hop.c) ---------------------------------------------------- */

/* netns_make's netns_fd for a new namespace: below every negative errno,
 * so that a failed netns_open() passed on is never taken for it. */
#define NETNS_NEW INT_MIN

/* The one place yogurt moves its thread to another network namespace (the
 * thread's namespace is the only process-wide state yogurt has): runs
 * make(context) inside the namespace behind netns_fd, or a new one
 * (NETNS_NEW, by unshare), then takes the thread back to the namespace it
 * was in. Any other negative netns_fd: no hop, make runs right here.
 * make returns a file descriptor it made inside (a socket stays in the
 * namespace it was made in, an open namespace keeps that one alive) or a
 * negative errno; so does netns_make.
 *
 * When the way back fails, the descriptor make returned is closed and the
 * caller gets the negative errno of that setns(2); it must fail, as its
 * thread is left in the other namespace. */
int netns_make(int netns_fd, int (*make)(void *context), void *context);

/* Moves the calling thread into a new network namespace for good: for a
 * process that does all its work in a namespace of its own (the selftest),
 * leaving nothing on the machine when it ends. */
int netns_enter_new(void);

/* socket(2) (SOCK_CLOEXEC added) inside the namespace behind netns_fd, the
 * way netns_make hops: the socket's fd. */
int netns_socket(int netns_fd, int domain, int type, int protocol);

#endif
