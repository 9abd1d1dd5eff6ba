/* refused.bpf.c — a netkit program the verifier must refuse: it writes
 * through the result of a hash map lookup without checking it for NULL
 * (a hash map: recent verifiers — 6.18 here — know that an array lookup
 * with a constant in-range key cannot fail, and let that one pass). It is
 * compiled like wire/wire.bpf.c (no libbpf headers) so that yogurt's own
 * parser and loader read it, and test_bpf expects the verifier's words. */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

/* The classic "maps" section layout: type, key, value, entries, flags. */
struct map_definition {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
};

struct map_definition refused_counts SEC("maps") = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

SEC("netkit/peer")
int refused_peer(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&refused_counts, &key);

	/* The missing "if (count)" is the point: the lookup may return NULL. */
	*count += skb->len;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
