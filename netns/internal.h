/* internal.h — what the netns/ files share with each other. */
#ifndef YOGURT_NETNS_INTERNAL_H
#define YOGURT_NETNS_INTERNAL_H

#include "netns.h"

/* Opens the calling thread's current network namespace (O_RDONLY|O_CLOEXEC):
 * returns the fd. (A make function of netns_make: context is unused.) */
int netns_open_current(void *unused);

#endif
