/* abi.h — what the wire program and yogurt's userspace agree on: the
 * counters it keeps and the .rodata constants yogurt fills in before load.
 * Included by wire.bpf.c (clang -target bpf) and, through wire.h, by
 * userspace C.
 */
#ifndef YOGURT_WIRE_ABI_H
#define YOGURT_WIRE_ABI_H

#include <linux/types.h>

/* Indexes into the per-CPU array map "wire_counters". */
enum wire_counter {
	WIRE_SENT,		/* peer program: redirected onto the wire */
	WIRE_DROPPED_NO_PAIR,	/* peer program: no other end configured */
	WIRE_PASSED,		/* primary program: came from the wire, delivered */
	WIRE_DROPPED_NOT_WIRE,	/* primary program: not sent by the wire, dropped */
	WIRE_COUNTER_MAX,
};

struct wire_count {
	__u64 packets;
	__u64 bytes;
};

/* Words of __sk_buff->cb[] that carry the gate secret. */
#define WIRE_SECRET_WORDS 4

/* Names of the .rodata symbols yogurt sets before load. */
#define WIRE_SYMBOL_SECRET "wire_secret"
#define WIRE_SYMBOL_TARGET "wire_target_ifindex"

#endif
