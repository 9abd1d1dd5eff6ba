/* codes.c — what netkit does with each return code of a program at the
 * primary hook (and with no program, by its policy): a ping from the
 * selftest's namespace to the peer's gets its reply, or is dropped and
 * counted in the primary's tx_dropped. */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../phone/internal.h"

#define CODES_SUBNET 10
#define REPLY_TIMEOUT_MS 3000
/* A drop is seen in tx_dropped as the ping is sent; this only gives a
 * reply that is not dropped the time to arrive and prove it wrong. */
#define DROP_TIMEOUT_MS 300
#define UNKNOWN_CODE 42

static uint64_t tx_dropped(struct selftest *selftest, const char *device)
{
	struct nl_link_info info;

	return nl_link_get(&selftest->host, device, &info) < 0 ? 0 : info.tx_dropped;
}

/* The program of each variant: its code, or none (-2). */
static int32_t variant_code(unsigned variant)
{
	switch (variant) {
	case CODE_NEXT: return NETKIT_NEXT;
	case CODE_PASS: return NETKIT_PASS;
	case CODE_DROP: return NETKIT_DROP;
	case CODE_REDIRECT: return NETKIT_REDIRECT;
	case CODE_UNKNOWN: return UNKNOWN_CODE;
	default: return -2;
	}
}

enum ktap_result check_return_code(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = {
		.mode = NETKIT_L3,
		.policy = variant == CODE_NONE_BLACKHOLE ? NETKIT_DROP : NETKIT_PASS,
		.peer_policy = NETKIT_PASS,
	};
	int32_t code = variant_code(variant);
	int passes = variant != CODE_NONE_BLACKHOLE && variant != CODE_DROP &&
		     variant != CODE_UNKNOWN;
	int program = -1, link = -1, error;
	uint8_t peer_address[16];
	uint64_t dropped_before;
	struct test_pair pair;
	char name[8];
	enum ktap_result result;

	format_string(name, sizeof(name), "code%u", variant);
	result = pair_create(selftest, &pair, name, &request, 1);
	if (result != KTAP_PASS)
		return result;
	result = pair_connect(selftest, &pair, CODES_SUBNET + variant, 2, 1);
	if (result == KTAP_PASS && code != -2) {
		/* NETKIT_REDIRECT is what bpf_redirect() returns: here into the
		 * peer, as if it had received the packet. */
		program = program_returning(code, BPF_NETKIT_PRIMARY,
					    code == NETKIT_REDIRECT ? pair.peer_ifindex : 0);
		link = program < 0 ? program
			: bpf_netkit_link_create(program, pair.primary_ifindex, BPF_NETKIT_PRIMARY);
		if (link < 0)
			result = kernel_failing(selftest, link, NULL, program < 0 ?
						"BPF_PROG_LOAD" : "linking netkit/primary");
	}
	if (result == KTAP_PASS) {
		test_address(AF_INET, CODES_SUBNET + variant, 2, peer_address);
		dropped_before = tx_dropped(selftest, pair.primary);
		error = probe_ping(-1, AF_INET, peer_address, 56,
				   passes ? REPLY_TIMEOUT_MS : DROP_TIMEOUT_MS, NULL);
		if (passes && error < 0)
			result = failing(selftest, "a ping through it got no reply: %s",
					 error_text(-error));
		else if (!passes && error == 0)
			result = failing(selftest, "a ping through it got a reply");
		else if (!passes && tx_dropped(selftest, pair.primary) == dropped_before)
			result = failing(selftest, "a ping through it got no reply, but the "
					 "primary's tx_dropped did not count a drop");
	}
	if (link >= 0)
		close(link);
	if (program >= 0)
		close(program);
	pair_remove(selftest, &pair);
	return result;
}
