/* socket.c — rtnetlink sockets: opening them and exchanging requests. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"
#include "../netns/netns.h"
#include "../syscalls/syscalls.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A NETLINK_ROUTE socket, made by netns_make: its fd. */
static int route_socket_open(void *unused)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int on = 1;
	int fd, err;

	(void)unused;
	fd = sys_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0)
		return fd;
	/* Extended ACK: the kernel explains its refusals in words.
	 * Capped ACK: an error quotes only our header, not the whole request. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A negative netns_fd here means: the caller's own namespace. */
static int socket_open(struct nl_socket *socket, int netns_fd)
{
	int fd = netns_make(netns_fd, route_socket_open, NULL);

	socket->fd = fd < 0 ? -1 : fd;
	socket->sequence = 0;
	socket->error[0] = '\0';
	return fd < 0 ? fd : 0;
}

int nl_open(struct nl_socket *socket)
{
	return socket_open(socket, -1);
}

int nl_open_in_netns(struct nl_socket *socket, int netns_fd)
{
	/* Never the caller's own namespace by mistake (a failed open passed on). */
	if (netns_fd < 0) {
		socket->fd = -1;
		return -EBADF;
	}
	return socket_open(socket, netns_fd);
}

void nl_close(struct nl_socket *socket)
{
	if (socket->fd >= 0)
		close(socket->fd);
	socket->fd = -1;
}

static int send_message(struct nl_socket *socket, const struct nlmsghdr *request)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t sent;
	int attempts = 0;

	/* Interrupted, or no memory for the message just now (ENOBUFS,
	 * EAGAIN): nothing was sent, so sending again is right, a few times. */
	do {
		sent = sendto(socket->fd, request, request->nlmsg_len, 0,
			      (struct sockaddr *)&kernel, sizeof(kernel));
	} while (sent < 0 && (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) &&
		 ++attempts < NL_ATTEMPTS);
	if (sent < 0)
		return -errno;
	if ((size_t)sent != request->nlmsg_len)
		return -EMSGSIZE;
	return 0;
}

/* Copies the NLMSGERR_ATTR_MSG text found in attrs[0..len) into
 * socket->error, bounded and NUL-terminated. */
static void keep_error_text(struct nl_socket *socket, const char *attrs, size_t len)
{
	const struct nlattr *table[NLMSGERR_ATTR_MSG + 1];

	if (nl_attr_parse(attrs, len, table, NLMSGERR_ATTR_MSG) == 0 &&
	    table[NLMSGERR_ATTR_MSG])
		nl_attr_copy_text(socket->error, sizeof(socket->error), table[NLMSGERR_ATTR_MSG]);
}

/* NLMSG_ERROR (and a dump's NLMSG_DONE): the errno it carries, with the
 * extended-ACK text kept when the request failed. */
static int reply_status(struct nl_socket *socket, const struct nlmsghdr *reply,
			const char *payload, size_t payload_len)
{
	struct nlmsghdr quoted;
	size_t skip;
	int error;

	/* Some NLMSG_DONE carry no status at all: that means success. */
	if (payload_len < sizeof(error))
		return reply->nlmsg_type == NLMSG_DONE ? 0 : -EBADMSG;
	memcpy(&error, payload, sizeof(error));
	if (error > 0)
		return -EBADMSG;
	if (error == 0 || !(reply->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;
	/* The TLVs follow the error code and the quoted request: only its
	 * header when capped, else all of it. NLMSG_DONE quotes nothing. */
	skip = sizeof(error);
	if (reply->nlmsg_type == NLMSG_ERROR) {
		if (payload_len < sizeof(struct nlmsgerr))
			return error;
		memcpy(&quoted, payload + sizeof(error), sizeof(quoted));
		if (reply->nlmsg_flags & NLM_F_CAPPED)
			skip += sizeof(quoted);
		else
			skip += quoted.nlmsg_len;
	}
	skip = NLMSG_ALIGN(skip);
	if (skip < payload_len)
		keep_error_text(socket, payload + skip, payload_len - skip);
	return error;
}

/* Reads one datagram into buffer: its length, or a negative errno. */
static int receive(struct nl_socket *socket, char *buffer, size_t size)
{
	ssize_t len;
	int attempts = 0;

	/* An interrupted wait lost nothing; ENOBUFS (replies dropped) is not
	 * retried: the reply waited for may be the one that was lost. */
	do {
		/* MSG_TRUNC makes recv report the datagram's real length. */
		len = recv(socket->fd, buffer, size, MSG_TRUNC);
	} while (len < 0 && errno == EINTR && ++attempts < NL_ATTEMPTS);
	if (len < 0)
		return -errno;
	if ((size_t)len > size)
		return -EMSGSIZE;
	return (int)len;
}

int nl_transact(struct nl_socket *socket, struct nl_message *message,
		nl_visit_fn visit, void *context)
{
	_Alignas(struct nlmsghdr) char buffer[NL_RECEIVE_SIZE];
	struct nlmsghdr *request = message->header;
	int stopped = 0, interrupted = 0;
	int err;

	socket->error[0] = '\0';
	if (message->capacity < NLMSG_HDRLEN || request->nlmsg_len > message->capacity)
		return -EMSGSIZE;
	request->nlmsg_seq = ++socket->sequence;
	request->nlmsg_pid = 0;
	err = send_message(socket, request);
	if (err < 0)
		return err;

	for (;;) {
		int len = receive(socket, buffer, sizeof(buffer));
		size_t offset = 0;

		if (len < 0)
			return len;
		while ((size_t)len - offset >= NLMSG_HDRLEN) {
			struct nlmsghdr *reply = (struct nlmsghdr *)(buffer + offset);
			size_t reply_len = reply->nlmsg_len;

			if (reply_len < NLMSG_HDRLEN || reply_len > (size_t)len - offset)
				return -EBADMSG;
			offset += NLMSG_ALIGN(reply_len);
			if (offset > (size_t)len)
				offset = (size_t)len;
			/* Leftovers of an earlier, abandoned request. */
			if (reply->nlmsg_seq != request->nlmsg_seq)
				continue;
			interrupted |= reply->nlmsg_flags & NLM_F_DUMP_INTR;
			if (reply->nlmsg_type == NLMSG_ERROR ||
			    reply->nlmsg_type == NLMSG_DONE) {
				/* Either ends the exchange: a request's ACK or
				 * error, a dump's end or failure. */
				err = reply_status(socket, reply, NLMSG_DATA(reply),
						   reply_len - NLMSG_HDRLEN);
				if (err == 0 && interrupted && !stopped)
					return -EAGAIN;
				return err < 0 ? err : stopped;
			}
			if (reply->nlmsg_type == NLMSG_NOOP || stopped || !visit)
				continue;
			stopped = visit(reply, context);
		}
	}
}

int nl_request(struct nl_socket *socket, struct nl_message *message)
{
	if (message->capacity >= NLMSG_HDRLEN)
		message->header->nlmsg_flags |= NLM_F_ACK;
	return nl_transact(socket, message, NULL, NULL);
}

int nl_dump(struct nl_socket *socket, struct nl_message *message,
	    nl_visit_fn visit, void *context)
{
	/* A dump ends with NLMSG_DONE; an ACK would be a second ending. */
	if (message->capacity >= NLMSG_HDRLEN) {
		message->header->nlmsg_flags |= NLM_F_DUMP | NLM_F_REQUEST;
		message->header->nlmsg_flags &= ~NLM_F_ACK;
	}
	return nl_transact(socket, message, visit, context);
}
