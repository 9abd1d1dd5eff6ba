/* message.c — building one netlink request in a caller-owned buffer. */
#include <errno.h>
#include <string.h>

#include "nl.h"

void nl_message_init(struct nl_message *message, void *buffer, size_t capacity,
		     uint16_t type, uint16_t flags)
{
	message->header = buffer;
	/* A buffer too small for even the header gets capacity 0, so every
	 * append and the final send refuse it instead of overrunning it. */
	if (capacity < NLMSG_HDRLEN) {
		message->capacity = 0;
		return;
	}
	message->capacity = capacity;
	memset(buffer, 0, NLMSG_HDRLEN);
	message->header->nlmsg_len = NLMSG_HDRLEN;
	message->header->nlmsg_type = type;
	message->header->nlmsg_flags = NLM_F_REQUEST | flags;
}

/* Room left after the message's current end (0 for a broken message). */
static size_t room(const struct nl_message *message)
{
	if (message->capacity < NLMSG_HDRLEN ||
	    message->header->nlmsg_len > message->capacity)
		return 0;
	return message->capacity - message->header->nlmsg_len;
}

static char *tail(const struct nl_message *message)
{
	return (char *)message->header + message->header->nlmsg_len;
}

void *nl_put_header(struct nl_message *message, size_t size)
{
	size_t aligned;
	char *start;

	if (size > room(message))
		return NULL;
	aligned = NLMSG_ALIGN(size);
	if (aligned > room(message))
		return NULL;
	start = tail(message);
	memset(start, 0, aligned);
	message->header->nlmsg_len += aligned;
	return start;
}

int nl_put_attr(struct nl_message *message, uint16_t type, const void *data, size_t len)
{
	struct nlattr *attr;
	size_t attr_len, aligned;

	/* nla_len is 16 bits wide. */
	if (len > UINT16_MAX - NLA_HDRLEN)
		return -EMSGSIZE;
	attr_len = NLA_HDRLEN + len;
	aligned = NLA_ALIGN(attr_len);
	if (aligned > room(message))
		return -EMSGSIZE;
	attr = (struct nlattr *)tail(message);
	attr->nla_len = (uint16_t)attr_len;
	attr->nla_type = type;
	if (len)
		memcpy((char *)attr + NLA_HDRLEN, data, len);
	/* The padding goes to the kernel too: never leak stack bytes. */
	memset((char *)attr + attr_len, 0, aligned - attr_len);
	message->header->nlmsg_len += aligned;
	return 0;
}

int nl_put_u8(struct nl_message *message, uint16_t type, uint8_t value)
{
	return nl_put_attr(message, type, &value, sizeof(value));
}

int nl_put_u32(struct nl_message *message, uint16_t type, uint32_t value)
{
	return nl_put_attr(message, type, &value, sizeof(value));
}

int nl_put_string(struct nl_message *message, uint16_t type, const char *value)
{
	return nl_put_attr(message, type, value, strlen(value) + 1);
}

struct nlattr *nl_nest_start(struct nl_message *message, uint16_t type)
{
	struct nlattr *nest = (struct nlattr *)tail(message);

	if (nl_put_attr(message, type, NULL, 0) < 0)
		return NULL;
	return nest;
}

void nl_nest_end(struct nl_message *message, struct nlattr *nest)
{
	nest->nla_len = (uint16_t)(tail(message) - (char *)nest);
}

void *nl_message_start(struct nl_message *message, void *buffer, size_t capacity,
		       uint16_t type, uint16_t flags, size_t header_size)
{
	nl_message_init(message, buffer, capacity, type, flags);
	return nl_put_header(message, header_size);
}
