/* make_seeds.c — writes the seed corpora of the fuzzers (run by hand, as
 * root, when the formats change; tests/host/run.sh only compiles it):
 *
 *   make_seeds ELF_OBJECT ELF_DIR NETLINK_DIR
 *
 * ELF_DIR gets the object as it is and a few broken copies of it;
 * NETLINK_DIR gets the netkit RTM_NEWLINK requests yogurt sends, the
 * kernel's RTM_NEWLINK reply for lo, and a netkit reply made by hand
 * (this host has no netkit to record one from).
 *
 * Not made here, each compiled with `clang -target bpf -O2 -g -Wall
 * -idirafter build/uapi -c` then `llvm-strip --strip-debug` like the wire:
 * corpus/elf/refused from tests/host/refused.bpf.c, and
 * corpus/elf/loader-NAME from tests/host/loader/NAME.bpf.c (subprograms,
 * global data, BTF-defined maps: the parser's other paths).
 *
 * Seeds carry no ".o": .gitignore keeps every *.o out of the repository.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "nl/nl.h"
#include "nl/internal.h"

/* ---- files ------------------------------------------------------------- */

static int write_file(const char *directory, const char *name, const void *bytes, size_t size)
{
	char path[512];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	file = fopen(path, "wb");
	if (!file || fwrite(bytes, 1, size, file) != size || fclose(file) != 0) {
		perror(path);
		return -1;
	}
	printf("%s: %zu bytes\n", path, size);
	return 0;
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *file = fopen(path, "rb");
	unsigned char *bytes = NULL;
	long length = -1;

	if (file && fseek(file, 0, SEEK_END) == 0)
		length = ftell(file);
	if (length > 0 && fseek(file, 0, SEEK_SET) == 0)
		bytes = malloc((size_t)length);
	if (bytes && fread(bytes, 1, (size_t)length, file) == (size_t)length) {
		*size = (size_t)length;
	} else {
		perror(path);
		free(bytes);
		bytes = NULL;
	}
	if (file)
		fclose(file);
	return bytes;
}

/* ---- ELF seeds --------------------------------------------------------- */

static Elf64_Shdr section_header(const unsigned char *image, size_t index)
{
	Elf64_Ehdr header;
	Elf64_Shdr section;

	memcpy(&header, image, sizeof(header));
	memcpy(&section, image + header.e_shoff + index * sizeof(section), sizeof(section));
	return section;
}

/* Index of the section called name (the image is our own, intact). */
static size_t find_section(const unsigned char *image, const char *name)
{
	Elf64_Ehdr header;

	memcpy(&header, image, sizeof(header));
	for (size_t index = 1; index < header.e_shnum; index++) {
		Elf64_Shdr names = section_header(image, header.e_shstrndx);
		const char *text = (const char *)image + names.sh_offset;

		if (strcmp(text + section_header(image, index).sh_name, name) == 0)
			return index;
	}
	fprintf(stderr, "no section %s\n", name);
	exit(1);
}

static int write_elf_seeds(const char *object_path, const char *directory)
{
	size_t size;
	unsigned char *image = read_file(object_path, &size);
	unsigned char *copy = image ? malloc(size) : NULL;
	Elf64_Shdr license, relocations;
	Elf64_Ehdr header;
	int error = 0;

	if (!copy) {
		free(image);
		return -1;
	}
	error |= write_file(directory, "wire", image, size);
	error |= write_file(directory, "truncated", image, size / 2);

	memcpy(copy, image, size);
	license = section_header(copy, find_section(copy, "license"));
	copy[license.sh_offset + license.sh_size - 1] = 'X';
	error |= write_file(directory, "license-without-nul", copy, size);

	memcpy(copy, image, size);
	memcpy(&header, copy, sizeof(header));
	header.e_shnum = 0xffff;
	memcpy(copy, &header, sizeof(header));
	error |= write_file(directory, "section-count-huge", copy, size);

	/* The first relocation of netkit/peer names a symbol past the table. */
	memcpy(copy, image, size);
	relocations = section_header(copy, find_section(copy, ".relnetkit/peer"));
	{
		Elf64_Rel relocation;

		memcpy(&relocation, copy + relocations.sh_offset, sizeof(relocation));
		relocation.r_info = ELF64_R_INFO(0x7fff, ELF64_R_TYPE(relocation.r_info));
		memcpy(copy + relocations.sh_offset, &relocation, sizeof(relocation));
	}
	error |= write_file(directory, "relocation-symbol-out-of-range", copy, size);
	free(copy);
	free(image);
	return error;
}

/* ---- netlink seeds ----------------------------------------------------- */

static int write_message(const char *directory, const char *name, const struct nl_message *message)
{
	return write_file(directory, name, message->header, message->header->nlmsg_len);
}

/* The request nl_netkit_create sends (before the socket fills seq/pid). */
static int write_netkit_request(const char *directory, const char *name, int peer_netns_fd)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct netkit_pair pair = {
		.primary_name = "yg1-host",
		.peer_name = "yg1-cont",
		.policy = NETKIT_DROP,
		.peer_policy = NETKIT_DROP,
		.mode = NETKIT_L3,
		.peer_netns_fd = peer_netns_fd,
	};
	struct nl_message message;

	if (!nl_message_start(&message, buffer, sizeof(buffer), RTM_NEWLINK,
			      NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg)) ||
	    nl_netkit_message(&message, &pair) < 0)
		return -1;
	return write_message(directory, name, &message);
}

/* What the kernel would answer about a netkit primary device. */
static int write_netkit_reply(const char *directory)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifinfomsg *link;
	struct nlattr *linkinfo, *data;

	link = nl_message_start(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0, sizeof(*link));
	if (!link)
		return -1;
	link->ifi_index = 7;
	link->ifi_flags = IFF_UP | IFF_NOARP;
	if (nl_put_string(&message, IFLA_IFNAME, "yg1-host") < 0 ||
	    nl_put_u32(&message, IFLA_MTU, 1500) < 0 || nl_put_u32(&message, IFLA_LINK, 2) < 0 ||
	    nl_put_u32(&message, IFLA_LINK_NETNSID, 0) < 0)
		return -1;
	linkinfo = nl_nest_start(&message, IFLA_LINKINFO | NLA_F_NESTED);
	if (!linkinfo || nl_put_string(&message, IFLA_INFO_KIND, "netkit") < 0)
		return -1;
	data = nl_nest_start(&message, IFLA_INFO_DATA | NLA_F_NESTED);
	if (!data || nl_put_u8(&message, IFLA_NETKIT_PRIMARY, 1) < 0 ||
	    nl_put_u32(&message, IFLA_NETKIT_POLICY, NETKIT_DROP) < 0 ||
	    nl_put_u32(&message, IFLA_NETKIT_PEER_POLICY, NETKIT_DROP) < 0 ||
	    nl_put_u32(&message, IFLA_NETKIT_MODE, NETKIT_L3) < 0)
		return -1;
	nl_nest_end(&message, data);
	nl_nest_end(&message, linkinfo);
	return write_message(directory, "netkit-reply-made-by-hand", &message);
}

struct recording {
	const char *directory;
	int written;
};

static int record_reply(const struct nlmsghdr *reply, void *context)
{
	struct recording *recording = context;

	if (reply->nlmsg_type != RTM_NEWLINK)
		return 0;
	recording->written = write_file(recording->directory, "lo-reply-from-kernel", reply,
					reply->nlmsg_len) == 0;
	return 1;
}

static int write_loopback_reply(const char *directory)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct recording recording = { .directory = directory };
	struct nl_socket socket;
	struct nl_message message;
	int error = nl_open(&socket);

	if (error < 0)
		return error;
	if (!nl_message_start(&message, buffer, sizeof(buffer), RTM_GETLINK, NLM_F_ACK,
			      sizeof(struct ifinfomsg)) ||
	    nl_put_string(&message, IFLA_IFNAME, "lo") < 0)
		error = -EMSGSIZE;
	else
		error = nl_transact(&socket, &message, record_reply, &recording);
	nl_close(&socket);
	return error < 0 ? error : (recording.written ? 0 : -ENOENT);
}

int main(int argc, char **argv)
{
	int error = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ELF_OBJECT ELF_DIR NETLINK_DIR\n", argv[0]);
		return 2;
	}
	error |= write_elf_seeds(argv[1], argv[2]);
	error |= write_netkit_request(argv[3], "netkit-request", -1);
	error |= write_netkit_request(argv[3], "netkit-request-peer-netns", 5);
	error |= write_netkit_reply(argv[3]);
	error |= write_loopback_reply(argv[3]);
	return error ? 1 : 0;
}
