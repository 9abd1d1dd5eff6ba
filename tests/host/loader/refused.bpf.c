/* refused.bpf.c — the verifier must refuse this program, and with the
 * object's line info its log must name the source line at fault: the
 * lookup result is used without a NULL check. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} lengths SEC(".maps");

SEC("netkit/primary")
int refused_primary(struct __sk_buff *skb)
{
	__u32 key = skb->protocol;
	__u64 *length = bpf_map_lookup_elem(&lengths, &key);

	*length += skb->len; /* REFUSED LINE */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
