/* uapi_compat.h — the kernel ABI numbers yogurt needs that older uAPI headers
 * (Debian 12's linux-libc-dev is 6.1) do not have. Each block is guarded by a
 * macro that arrived in the same kernel release, so newer headers win.
 * Values checked against include/uapi/linux/{if_link,bpf}.h.
 */
#ifndef YOGURT_UAPI_COMPAT_H
#define YOGURT_UAPI_COMPAT_H

#include <linux/bpf.h>
#include <linux/if_link.h>

/* Linux 6.7: netkit devices (if_link.h) and their BPF attach types (bpf.h). */
#ifndef IFLA_NETKIT_MAX
enum {
	IFLA_NETKIT_UNSPEC,
	IFLA_NETKIT_PEER_INFO,		/* 1: ifinfomsg + nested IFLA_* of the peer */
	IFLA_NETKIT_PRIMARY,		/* 2: u8, read-only */
	IFLA_NETKIT_POLICY,		/* 3: u32, enum netkit_action */
	IFLA_NETKIT_PEER_POLICY,	/* 4: u32 */
	IFLA_NETKIT_MODE,		/* 5: u32, enum netkit_mode */
	__IFLA_NETKIT_MAX,
};
#define IFLA_NETKIT_MAX (__IFLA_NETKIT_MAX - 1)

enum netkit_action {
	NETKIT_NEXT = -1,
	NETKIT_PASS = 0,
	NETKIT_DROP = 2,
	NETKIT_REDIRECT = 7,
};

enum netkit_mode {
	NETKIT_L2,
	NETKIT_L3,
};

#define BPF_NETKIT_PRIMARY 54		/* enum bpf_attach_type */
#define BPF_NETKIT_PEER 55
#define BPF_LINK_TYPE_NETKIT 13		/* enum bpf_link_type */
#endif

#endif
