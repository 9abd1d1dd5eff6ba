/* attr.c — reading netlink attributes, trusting no length we are given. */
#include <errno.h>
#include <string.h>

#include "nl.h"

/* Headers are copied out rather than dereferenced: a fuzzed buffer need not
 * be aligned, and a misaligned read is undefined behaviour. */
static struct nlattr attr_header(const void *at)
{
	struct nlattr header;

	memcpy(&header, at, sizeof(header));
	return header;
}

int nl_attr_parse(const void *data, size_t len, const struct nlattr **table, uint16_t max)
{
	const char *at = data;
	size_t remaining = len;

	memset(table, 0, ((size_t)max + 1) * sizeof(*table));
	/* Fewer than NLA_HDRLEN bytes left can only be alignment padding. */
	while (remaining >= NLA_HDRLEN) {
		struct nlattr header = attr_header(at);
		uint16_t type = header.nla_type & NLA_TYPE_MASK;
		size_t step;

		if (header.nla_len < NLA_HDRLEN || header.nla_len > remaining)
			return -EINVAL;
		if (type <= max)
			table[type] = (const struct nlattr *)at;
		/* The last attribute may come without its padding. */
		step = NLA_ALIGN(header.nla_len);
		if (step >= remaining)
			break;
		at += step;
		remaining -= step;
	}
	return 0;
}

const void *nl_attr_data(const struct nlattr *attr)
{
	return (const char *)attr + NLA_HDRLEN;
}

size_t nl_attr_len(const struct nlattr *attr)
{
	struct nlattr header = attr_header(attr);

	/* nl_attr_parse only hands out attributes with nla_len >= NLA_HDRLEN;
	 * stay safe for any other caller too. */
	if (header.nla_len < NLA_HDRLEN)
		return 0;
	return header.nla_len - NLA_HDRLEN;
}

int nl_attr_u8(const struct nlattr *attr, uint8_t *value)
{
	if (nl_attr_len(attr) < sizeof(*value))
		return -EINVAL;
	memcpy(value, nl_attr_data(attr), sizeof(*value));
	return 0;
}

int nl_attr_u32(const struct nlattr *attr, uint32_t *value)
{
	if (nl_attr_len(attr) < sizeof(*value))
		return -EINVAL;
	memcpy(value, nl_attr_data(attr), sizeof(*value));
	return 0;
}

int nl_attr_string(const struct nlattr *attr, const char **value)
{
	size_t len = nl_attr_len(attr);

	if (len == 0 || !memchr(nl_attr_data(attr), '\0', len))
		return -EINVAL;
	*value = nl_attr_data(attr);
	return 0;
}

void nl_attr_copy_text(char *field, size_t size, const struct nlattr *attr)
{
	size_t len = strnlen(nl_attr_data(attr), nl_attr_len(attr));

	if (len >= size)
		len = size - 1;
	memcpy(field, nl_attr_data(attr), len);
	field[len] = '\0';
}
