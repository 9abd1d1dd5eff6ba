/* devices.c — what the checks make: netkit pairs with their namespaces and
 * addresses, and the tiny programs; and the words of a kernel's refusal. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"
#include "../netns/netns.h"
#include "../bpf/bpf.h"

enum ktap_result kernel_failing(struct selftest *selftest, int error, const char *kernel_words,
				const char *what)
{
	if (kernel_words && kernel_words[0])
		return failing(selftest, "%s: %s (kernel: \"%s\")", what, error_text(-error),
			       kernel_words);
	return failing(selftest, "%s: %s", what, error_text(-error));
}

int pair_peer_socket(const struct test_pair *pair, struct nl_socket *socket)
{
	return pair->netns < 0 ? nl_open(socket) : nl_open_in_netns(socket, pair->netns);
}

enum ktap_result pair_create(struct selftest *selftest, struct test_pair *pair, const char *name,
			     struct netkit_pair *request, int own_namespace)
{
	struct nl_socket peer_side;
	char what[64];
	int error = 0;

	memset(pair, 0, sizeof(*pair));
	format_string(pair->primary, sizeof(pair->primary), "yst-%s", name);
	format_string(pair->peer, sizeof(pair->peer), "yst-%s-p", name);
	format_string(what, sizeof(what), "creating the netkit pair %s", pair->primary);
	pair->netns = own_namespace ? netns_new(NULL) : -1;
	if (pair->netns < 0 && own_namespace)
		return kernel_failing(selftest, pair->netns, NULL, "a new network namespace");
	request->primary_name = pair->primary;
	request->peer_name = pair->peer;
	request->peer_netns_fd = pair->netns;
	error = nl_netkit_create(&selftest->host, request);
	if (error < 0) {
		if (pair->netns >= 0)
			close(pair->netns);
		pair->primary[0] = '\0';	/* nothing for pair_remove */
		pair->netns = -1;
		return kernel_failing(selftest, error, selftest->host.error, what);
	}
	error = nl_link_index(&selftest->host, pair->primary, &pair->primary_ifindex);
	if (error == 0)
		error = pair_peer_socket(pair, &peer_side);
	if (error == 0) {
		error = nl_link_index(&peer_side, pair->peer, &pair->peer_ifindex);
		nl_close(&peer_side);
	}
	if (error == 0)
		return KTAP_PASS;
	pair_remove(selftest, pair);
	return kernel_failing(selftest, error, NULL, "looking the new pair's devices up");
}

void pair_remove(struct selftest *selftest, struct test_pair *pair)
{
	if (pair->primary[0])
		nl_link_delete(&selftest->host, pair->primary);
	if (pair->netns >= 0)
		close(pair->netns);
	pair->primary[0] = '\0';
	pair->netns = -1;
}

void test_address(int family, unsigned subnet, unsigned host, uint8_t address[16])
{
	static const uint8_t prefix6[6] = { 0xfd, 0x13 };

	memset(address, 0, 16);
	if (family == AF_INET) {
		address[0] = 10, address[1] = 213;
		address[2] = (uint8_t)subnet, address[3] = (uint8_t)host;
		return;
	}
	memcpy(address, prefix6, sizeof(prefix6));
	address[7] = (uint8_t)subnet;
	address[15] = (uint8_t)host;
}

/* Both families' addresses of host in subnet on ifindex. */
static int add_addresses(struct nl_socket *socket, uint32_t ifindex, unsigned subnet,
			 unsigned host)
{
	uint8_t address[16];
	int error;

	test_address(AF_INET, subnet, host, address);
	error = nl_address_add(socket, ifindex, AF_INET, address, 24);
	test_address(AF_INET6, subnet, host, address);
	return error ? error : nl_address_add(socket, ifindex, AF_INET6, address, 64);
}

enum ktap_result pair_connect(struct selftest *selftest, struct test_pair *pair, unsigned subnet,
			      unsigned peer_host, int primary_addresses)
{
	struct nl_socket peer_side;
	int error = pair_peer_socket(pair, &peer_side);

	if (error < 0)
		return kernel_failing(selftest, error, NULL, "rtnetlink in the peer's namespace");
	error = add_addresses(&peer_side, pair->peer_ifindex, subnet, peer_host);
	if (error == 0)
		error = nl_link_set_up(&peer_side, pair->peer_ifindex);
	if (error < 0) {
		kernel_failing(selftest, error, peer_side.error, "addresses on the peer, and up");
		nl_close(&peer_side);
		return KTAP_FAIL;
	}
	nl_close(&peer_side);
	if (primary_addresses)
		error = add_addresses(&selftest->host, pair->primary_ifindex, subnet, 1);
	if (error == 0)
		error = nl_link_set_up(&selftest->host, pair->primary_ifindex);
	if (error < 0)
		return kernel_failing(selftest, error, selftest->host.error,
				      "the primary's addresses, and up");
	return KTAP_PASS;
}

int program_returning(int32_t code, uint32_t attach_type, uint32_t redirect_ifindex)
{
	const struct bpf_insn returning[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = code },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const struct bpf_insn redirecting[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1,
		  .imm = (int32_t)redirect_ifindex },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = BPF_F_INGRESS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	if (redirect_ifindex)
		return bpf_program_load(redirecting, 4, attach_type, "yst_redirect");
	return bpf_program_load(returning, 2, attach_type, "yst_return");
}
