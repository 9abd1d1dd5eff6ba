/* unsupported.bpf.c — one feature yogurt's loader does not support per
 * build (-DFEATURE_*), each to be refused at parse with one line that
 * names it: CO-RE relocations, a kfunc, a __kconfig extern, a map pinned
 * by name, a map of maps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
#ifdef FEATURE_PINNING
	__uint(pinning, LIBBPF_PIN_BY_NAME);
#endif
} counts SEC(".maps");

#ifdef FEATURE_MAP_OF_MAPS
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, typeof(counts));
} outer SEC(".maps");
#endif

#ifdef FEATURE_KFUNC
extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
#endif
#ifdef FEATURE_KCONFIG
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
#endif

struct sk_buff_view {
	__u32 len;
} __attribute__((preserve_access_index));

SEC("netkit/primary")
int unsupported_primary(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&counts, &key);

	if (count)
		*count += skb->len;
#ifdef FEATURE_CORE
	return BPF_CORE_READ((struct sk_buff_view *)skb, len) & 1;
#endif
#ifdef FEATURE_KFUNC
	return bpf_cpumask_create() != 0;
#endif
#ifdef FEATURE_KCONFIG
	return LINUX_KERNEL_VERSION & 1;
#endif
#ifdef FEATURE_MAP_OF_MAPS
	return bpf_map_lookup_elem(&outer, &key) != 0;
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
