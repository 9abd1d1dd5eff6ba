/* netkit.c — the devices themselves: each mode and policy, the peer in
 * another namespace, the MTU, deleting either end, and the attributes
 * that came with later kernels (scrub, headroom and tailroom). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *policy_name(uint32_t policy)
{
	return policy == NETKIT_DROP ? "blackhole" : "forward";
}

/* Both ends' attributes as the kernel reports them. */
static enum ktap_result read_both(struct selftest *selftest, const struct test_pair *pair,
				  struct nl_link_info *primary, struct nl_link_info *peer)
{
	struct nl_socket peer_side;
	int error = nl_link_get(&selftest->host, pair->primary, primary);

	if (error == 0)
		error = pair_peer_socket(pair, &peer_side);
	if (error < 0)
		return kernel_failing(selftest, error, NULL, "reading the pair back");
	error = nl_link_get(&peer_side, pair->peer, peer);
	nl_close(&peer_side);
	return error < 0 ? kernel_failing(selftest, error, NULL, "reading the peer back")
			 : KTAP_PASS;
}

/* Says which IFLA_NETKIT_* attributes the kernel's reply held. */
static void list_attributes(struct selftest *selftest, uint32_t attributes)
{
	char list[128];
	size_t length = 0;

	list[0] = '\0';
	for (unsigned type = 1; type < 32; type++)
		if (attributes & (1u << type))
			length += format_string(list + length, sizeof(list) - length, " %u", type);
	ktap_diagnostic(&selftest->ktap, "the kernel reports IFLA_NETKIT_* attributes%s%s", list,
			attributes >> NETKIT_ATTRIBUTE_TAILROOM >> 1 ?
			" (some newer than yogurt knows)" : "");
}

/* variant: bit 0 L2 (else L3), bit 1 a blackhole primary (else forward);
 * the peer has the other policy, so that each is seen to be its own. */
enum ktap_result check_pair_shape(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = {
		.mode = variant & 1 ? NETKIT_L2 : NETKIT_L3,
		.policy = variant & 2 ? NETKIT_DROP : NETKIT_PASS,
		.peer_policy = variant & 2 ? NETKIT_PASS : NETKIT_DROP,
	};
	struct nl_link_info primary, peer;
	struct test_pair pair;
	char name[8];
	enum ktap_result result;

	format_string(name, sizeof(name), "shape%u", variant);
	result = pair_create(selftest, &pair, name, &request, 0);
	if (result != KTAP_PASS)
		return result;
	result = read_both(selftest, &pair, &primary, &peer);
	if (result == KTAP_PASS && variant == 0)
		list_attributes(selftest, primary.netkit_attributes);
	if (result == KTAP_PASS &&
	    (strcmp(primary.kind, "netkit") != 0 || primary.netkit_primary != 1 ||
	     primary.netkit_mode != request.mode || primary.netkit_policy != request.policy ||
	     primary.netkit_peer_policy != request.peer_policy))
		result = failing(selftest, "the primary reports kind \"%s\", primary %d, mode %u, "
				 "policy %s, peer policy %s", primary.kind, primary.netkit_primary,
				 primary.netkit_mode, policy_name(primary.netkit_policy),
				 policy_name(primary.netkit_peer_policy));
	if (result == KTAP_PASS &&
	    (peer.netkit_primary != 0 || peer.netkit_mode != request.mode ||
	     peer.netkit_policy != request.peer_policy ||
	     peer.netkit_peer_policy != request.policy))
		result = failing(selftest, "the peer reports primary %d, mode %u, policy %s, "
				 "peer policy %s", peer.netkit_primary, peer.netkit_mode,
				 policy_name(peer.netkit_policy),
				 policy_name(peer.netkit_peer_policy));
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_peer_elsewhere(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3 };
	struct nl_link_info primary, here;
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "apart", &request, 1);
	int error;

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	error = nl_link_get(&selftest->host, pair.peer, &here);
	if (error != -ENODEV)
		result = failing(selftest, "the peer %s is in the primary's namespace too "
				 "(lookup: %s)", pair.peer, error_text(-error));
	else if (nl_link_get(&selftest->host, pair.primary, &primary) < 0 ||
		 primary.link_netnsid < 0 || primary.peer_ifindex != pair.peer_ifindex)
		result = failing(selftest, "the primary reports its peer as ifindex %u in netnsid "
				 "%d, not ifindex %u in the other namespace", primary.peer_ifindex,
				 primary.link_netnsid, pair.peer_ifindex);
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_mtu(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3, .mtu = 9000 };
	struct nl_link_info primary, peer;
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "mtu", &request, 1);
	int error;

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	result = read_both(selftest, &pair, &primary, &peer);
	if (result == KTAP_PASS && (primary.mtu != 9000 || peer.mtu != 9000))
		result = failing(selftest, "created with MTU 9000, the primary reports %u and the "
				 "peer %u", primary.mtu, peer.mtu);
	if (result == KTAP_PASS) {
		error = nl_link_set_mtu(&selftest->host, pair.primary_ifindex, 65535);
		if (error < 0)
			result = kernel_failing(selftest, error, selftest->host.error,
						"setting MTU 65535 (ETH_MAX_MTU) on the primary");
	}
	if (result == KTAP_PASS && read_both(selftest, &pair, &primary, &peer) == KTAP_PASS &&
	    primary.mtu != 65535)
		result = failing(selftest, "MTU 65535 set, the primary reports %u", primary.mtu);
	pair_remove(selftest, &pair);
	return result;
}

/* variant 0: the primary is deleted, 1: the peer, from its namespace. */
enum ktap_result check_delete_either_end(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3 };
	struct nl_socket peer_side;
	struct nl_link_info info;
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, variant ? "del-pe" : "del-pr",
					      &request, 1);
	int error, primary_gone, peer_gone;

	if (result != KTAP_PASS)
		return result;
	error = pair_peer_socket(&pair, &peer_side);
	if (error < 0) {
		pair_remove(selftest, &pair);
		return kernel_failing(selftest, error, NULL, "rtnetlink in the peer's namespace");
	}
	if (variant)
		error = nl_link_delete(&peer_side, pair.peer);
	else
		error = nl_link_delete(&selftest->host, pair.primary);
	primary_gone = nl_link_get(&selftest->host, pair.primary, &info) == -ENODEV;
	peer_gone = nl_link_get(&peer_side, pair.peer, &info) == -ENODEV;
	if (error < 0)
		result = kernel_failing(selftest, error, variant ? peer_side.error :
					selftest->host.error, "deleting it");
	else if (!primary_gone || !peer_gone)
		result = failing(selftest, "after deleting the %s, the %s is still there",
				 variant ? "peer" : "primary", primary_gone ? "peer" : "primary");
	nl_close(&peer_side);
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_scrub(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = {
		.mode = NETKIT_L3, .send_scrub = 1,
		.scrub = NETKIT_SCRUB_VALUE_DEFAULT, .peer_scrub = NETKIT_SCRUB_VALUE_NONE,
	};
	struct nl_link_info primary, peer;
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "scrub", &request, 1);

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	result = read_both(selftest, &pair, &primary, &peer);
	if (result == KTAP_PASS && !(primary.netkit_attributes & 1u << NETKIT_ATTRIBUTE_SCRUB))
		result = skipping(selftest, "the kernel does not report IFLA_NETKIT_SCRUB "
				  "(Linux 6.13, 6.12.4)");
	else if (result == KTAP_PASS &&
		 (primary.netkit_scrub != NETKIT_SCRUB_VALUE_DEFAULT ||
		  primary.netkit_peer_scrub != NETKIT_SCRUB_VALUE_NONE ||
		  peer.netkit_scrub != NETKIT_SCRUB_VALUE_NONE ||
		  peer.netkit_peer_scrub != NETKIT_SCRUB_VALUE_DEFAULT))
		result = failing(selftest, "asked scrub default, peer scrub none: the primary "
				 "reports %u/%u, the peer %u/%u", primary.netkit_scrub,
				 primary.netkit_peer_scrub, peer.netkit_scrub,
				 peer.netkit_peer_scrub);
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_headroom(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3, .headroom = 64, .tailroom = 32 };
	struct nl_link_info primary, peer;
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "room", &request, 1);

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	result = read_both(selftest, &pair, &primary, &peer);
	if (result == KTAP_PASS &&
	    !(primary.netkit_attributes & 1u << NETKIT_ATTRIBUTE_HEADROOM))
		result = skipping(selftest, "the kernel does not report IFLA_NETKIT_HEADROOM "
				  "(Linux 6.14)");
	else if (result == KTAP_PASS &&
		 (primary.netkit_headroom != 64 || primary.netkit_tailroom != 32 ||
		  peer.netkit_headroom != 64 || peer.netkit_tailroom != 32))
		result = failing(selftest, "asked headroom 64, tailroom 32: the primary reports "
				 "%u/%u, the peer %u/%u", primary.netkit_headroom,
				 primary.netkit_tailroom, peer.netkit_headroom,
				 peer.netkit_tailroom);
	pair_remove(selftest, &pair);
	return result;
}
