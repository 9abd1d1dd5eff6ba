/* calls.bpf.c — BPF-to-BPF calls: two programs share .text subprograms,
 * one static and not inlined, one global (verified on its own by the
 * kernel, which needs the func_info), and one subprogram calls another. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef PRIMARY_SECTION
#define PRIMARY_SECTION "netkit/primary"
#define PEER_SECTION "netkit/peer"
#endif

static __attribute__((noinline)) __u32 mix(__u32 value)
{
	value ^= value >> 16;
	value *= 0x45d9f3b;
	return value ^ (value >> 16);
}

static __attribute__((noinline)) __u32 twice_mixed(__u32 value)
{
	return mix(mix(value));
}

__attribute__((noinline)) int checked_length(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return skb->len > 1500 ? 1500 : skb->len;
}

SEC(PRIMARY_SECTION)
int calls_primary(struct __sk_buff *skb)
{
	return (twice_mixed(skb->len) & 1) ? 2 : 0;
}

SEC(PEER_SECTION)
int calls_peer(struct __sk_buff *skb)
{
	return checked_length(skb) + (mix(skb->protocol) & 1);
}

char LICENSE[] SEC("license") = "GPL";
