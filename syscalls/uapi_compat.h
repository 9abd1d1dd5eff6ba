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

/* Linux 6.6: where a program goes among those already on a hook (bpf.h;
 * link_create.tcx/netkit.relative_fd names the program or link). */
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE (1U << 3)
#define BPF_F_AFTER (1U << 4)
#endif

/* Attributes of IFLA_INFO_DATA that came after 6.7 (if_link.h), by value:
 * newer headers have them as enum members, which no macro guards. Only the
 * selftest sends them. */
enum {
	NETKIT_ATTRIBUTE_SCRUB = 6,		/* u32, Linux 6.13 (6.12.4) */
	NETKIT_ATTRIBUTE_PEER_SCRUB = 7,	/* u32 */
	NETKIT_ATTRIBUTE_HEADROOM = 8,		/* u16, Linux 6.14 */
	NETKIT_ATTRIBUTE_TAILROOM = 9,		/* u16 */
};
#define NETKIT_SCRUB_VALUE_NONE 0		/* enum netkit_scrub */
#define NETKIT_SCRUB_VALUE_DEFAULT 1

#endif
