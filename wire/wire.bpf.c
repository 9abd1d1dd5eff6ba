/* The eBPF wire: two netkit programs per device pair.
 *
 * netkit/peer runs when a yogurt transmits (its namespace-side device sends).
 * It stamps the packet with the gate secret and redirects it, egress, to the
 * host-side device of the other pair, whose netkit/primary program then runs.
 *
 * netkit/primary runs for everything sent towards a yogurt through its
 * host-side device: the wire's packets and anything a host process routes or
 * injects there. It passes a packet only if it carries the secret, and wipes
 * the secret either way so it never travels further. See wire/GATE.md.
 *
 * No interface index is compiled in: yogurt fills the .rodata constants
 * below per device pair before load, and the verifier folds them in.
 */
#include <linux/bpf.h>
#include "abi.h"

#define SEC(name) __attribute__((section(name), used))

/* netkit return codes (include/uapi/linux/if_link.h, Linux 6.7). */
#define NETKIT_PASS 0
#define NETKIT_DROP 2

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;

/* The classic "maps" section layout: type, key, value, entries, flags. */
struct map_definition {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
};

struct map_definition wire_counters SEC("maps") = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(struct wire_count),
	.max_entries = WIRE_COUNTER_MAX,
};

/* Set by yogurt before load (frozen, read-only to the program): 128 random
 * bits, as two 64-bit words so that each compare and store is one
 * instruction on __sk_buff->cb (8-byte access at cb[0] and cb[2]). */
const volatile __u64 wire_secret[WIRE_SECRET_WORDS / 2];
const volatile __u32 wire_target_ifindex;

static __attribute__((always_inline)) void count(__u32 counter, __u32 length)
{
	struct wire_count *entry = bpf_map_lookup_elem(&wire_counters, &counter);

	if (entry) {
		entry->packets++;
		entry->bytes += length;
	}
}

SEC("netkit/peer")
int wire_peer(struct __sk_buff *skb)
{
	__u64 *stamp = (__u64 *)&skb->cb[0];
	__u32 target = wire_target_ifindex;

	count(target ? WIRE_SENT : WIRE_DROPPED_NO_PAIR, skb->len);
	if (!target)
		return NETKIT_DROP;
	stamp[0] = wire_secret[0];
	stamp[1] = wire_secret[1];
	return bpf_redirect(target, 0);
}

SEC("netkit/primary")
int wire_primary(struct __sk_buff *skb)
{
	__u64 *stamp = (__u64 *)&skb->cb[0];
	__u64 secret[2] = { wire_secret[0], wire_secret[1] };
	/* A zero secret would let a zeroed cb through: never a key. */
	int pass = ((stamp[0] ^ secret[0]) | (stamp[1] ^ secret[1])) == 0 &&
		   (secret[0] | secret[1]) != 0;

	/* Wipe the stamp before the packet goes anywhere else. */
	stamp[0] = 0;
	stamp[1] = 0;
	count(pass ? WIRE_PASSED : WIRE_DROPPED_NOT_WIRE, skb->len);
	return pass ? NETKIT_PASS : NETKIT_DROP;
}

char LICENSE[] SEC("license") = "GPL";
