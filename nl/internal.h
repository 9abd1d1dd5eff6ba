/* internal.h — what the nl/ files share with each other (and with tests). */
#ifndef YOGURT_NL_INTERNAL_H
#define YOGURT_NL_INTERNAL_H

#include "nl.h"

/* One request fits easily in this; replies and dumps use the larger size
 * because the kernel fills dump datagrams up to 32 KiB. */
#define NL_REQUEST_SIZE 8192
#define NL_RECEIVE_SIZE 32768

/* How often a send or a wait that failed for a passing reason (EINTR;
 * for a send also ENOBUFS and EAGAIN) is tried in all. */
#define NL_ATTEMPTS 4

/* Sends message and reads the kernel's replies to it until the exchange is
 * over: NLMSG_ERROR (an ACK or an error) or NLMSG_DONE. A request must
 * therefore carry NLM_F_ACK, a dump NLM_F_DUMP. Every other reply with
 * the right sequence number goes to visit (when not NULL); once visit
 * returns non-zero the rest are read and dropped, and that value returned. */
int nl_transact(struct nl_socket *socket, struct nl_message *message,
		nl_visit_fn visit, void *context);

/* Builds the netkit RTM_NEWLINK request into message (already initialised
 * by nl_message_init) without sending it. */
int nl_netkit_message(struct nl_message *message, const struct netkit_pair *pair);

/* Device names: non-empty and shorter than IFNAMSIZ. 0 or -EINVAL. */
int nl_device_name_check(const char *name);

/* The bytes of an address of family: 4 for AF_INET, 16 for AF_INET6;
 * -EAFNOSUPPORT for another family, -EINVAL when prefix_length is longer
 * than the address. */
int nl_address_size(int family, unsigned prefix_length);

#endif
