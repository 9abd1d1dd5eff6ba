/* maps.bpf.c — maps declared the libbpf way (BTF-defined, section .maps):
 * a hash map keyed by protocol and an array of counters, with __uint and
 * __type members. The loader test reads their shape back and makes the
 * program run with BPF_PROG_TEST_RUN. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef PROGRAM_SECTION
#define PROGRAM_SECTION "netkit/primary"
#endif

struct protocol_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct protocol_count);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} protocols SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(max_entries, 4);
} runs SEC(".maps");

SEC(PROGRAM_SECTION)
int count_protocols(struct __sk_buff *skb)
{
	__u32 key = skb->protocol;
	__u32 zero = 0;
	struct protocol_count *count = bpf_map_lookup_elem(&protocols, &key);
	__u64 *run = bpf_map_lookup_elem(&runs, &zero);

	if (run)
		__sync_fetch_and_add(run, 1);
	if (!count) {
		struct protocol_count first = { 1, skb->len };

		bpf_map_update_elem(&protocols, &key, &first, BPF_NOEXIST);
		return 0;
	}
	__sync_fetch_and_add(&count->packets, 1);
	__sync_fetch_and_add(&count->bytes, skb->len);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
