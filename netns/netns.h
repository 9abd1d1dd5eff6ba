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

/* A new network namespace, named nowhere: the fd is all that keeps it. */
int netns_new(void);

/* Moves the calling thread into a new network namespace for good: for a
 * process that does all its work in a namespace of its own (the selftest),
 * leaving nothing on the machine when it ends. */
int netns_enter_new(void);

/* socket(2) (SOCK_CLOEXEC added) inside the namespace behind netns_fd, the
 * way netns_make hops: the socket's fd. */
int netns_socket(int netns_fd, int domain, int type, int protocol);

#endif
