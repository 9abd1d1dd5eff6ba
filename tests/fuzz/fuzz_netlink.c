/* fuzz_netlink.c — libFuzzer target for yogurt's netlink readers.
 *
 * 1. nl_attr_parse over the whole input, then again inside every attribute
 *    that looks nested (NLA_F_NESTED, or a payload that starts with a
 *    plausible attribute header), a few levels deep; the typed readers on
 *    every attribute found.
 * 2. nl_link_info_parse on the input taken as one RTM_NEWLINK message, when
 *    it is at least a netlink header long and its nlmsg_len fits in it.
 *
 * Buffers are heap copies of exactly the length the code may read (for a
 * message: nlmsg_len, the length nl_link_info_parse promises to stay
 * within), so AddressSanitizer sees every overread. nl_transact only hands
 * replies of nlmsg_len >= NLMSG_HDRLEN to the parser; so does this target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl/nl.h"
#include "nl/internal.h"

#define NEST_DEPTH 4
#define TYPE_MAX 64

static void parse_attributes(const void *data, size_t length, int depth);

static int looks_nested(const struct nlattr *attribute)
{
	struct nlattr header, inner;

	memcpy(&header, attribute, sizeof(header));
	if (header.nla_type & NLA_F_NESTED)
		return 1;
	if (nl_attr_len(attribute) < NLA_HDRLEN)
		return 0;
	memcpy(&inner, nl_attr_data(attribute), sizeof(inner));
	return inner.nla_len >= NLA_HDRLEN && inner.nla_len <= nl_attr_len(attribute);
}

static void read_attribute(const struct nlattr *attribute, int depth)
{
	uint8_t byte;
	uint32_t word;
	const char *text;

	nl_attr_u8(attribute, &byte);
	nl_attr_u32(attribute, &word);
	if (nl_attr_string(attribute, &text) == 0 && strlen(text) >= nl_attr_len(attribute))
		abort();	/* the string must end inside its payload */
	if (depth < NEST_DEPTH && looks_nested(attribute))
		parse_attributes(nl_attr_data(attribute), nl_attr_len(attribute), depth + 1);
}

static void parse_attributes(const void *data, size_t length, int depth)
{
	const struct nlattr *table[TYPE_MAX + 1];

	if (nl_attr_parse(data, length, table, TYPE_MAX) < 0)
		return;
	for (int type = 0; type <= TYPE_MAX; type++) {
		const char *start = (const char *)table[type];

		if (!start)
			continue;
		/* Every attribute handed out lies inside data. */
		if (start < (const char *)data ||
		    start + NLA_HDRLEN + nl_attr_len(table[type]) > (const char *)data + length)
			abort();
		read_attribute(table[type], depth);
	}
}

static void parse_link_message(const uint8_t *data, size_t size)
{
	struct nlmsghdr header;
	struct nl_link_info info;
	void *message;

	if (size < NLMSG_HDRLEN)
		return;
	memcpy(&header, data, sizeof(header));
	if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > size)
		return;
	/* malloc aligns for struct nlmsghdr; the length is exactly nlmsg_len. */
	message = malloc(header.nlmsg_len);
	if (!message)
		return;
	memcpy(message, data, header.nlmsg_len);
	if (nl_link_info_parse(message, &info) == 0 &&
	    (!memchr(info.name, '\0', sizeof(info.name)) ||
	     !memchr(info.kind, '\0', sizeof(info.kind))))
		abort();
	/* The attributes after the ifinfomsg, nests and all. */
	if (header.nlmsg_len >= NLMSG_SPACE(sizeof(struct ifinfomsg)))
		parse_attributes((char *)message + NLMSG_SPACE(sizeof(struct ifinfomsg)),
				 header.nlmsg_len - NLMSG_SPACE(sizeof(struct ifinfomsg)), 0);
	free(message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	parse_attributes(copy, size, 0);
	free(copy);
	parse_link_message(data, size);
	return 0;
}
