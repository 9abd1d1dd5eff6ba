/* wire — yogurt's own BPF program on the host-side devices: the embedded
 * object (wire.bpf.c, built by the Makefile and included by
 * wire_object.S), one loaded instance of it per host-side device, and its
 * counters read back from the kernel. The gate it keeps is explained in
 * GATE.md; what the program and userspace agree on is in abi.h.
 *
 * Functions return 0 or a negative errno; wire_attach leaves its words in
 * the object's error buffer for the caller to print once.
 */
#ifndef YOGURT_WIRE_H
#define YOGURT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "../bpf/bpf.h"

/* The wire object embedded in the binary. */
const void *wire_object_image(size_t *size);

/* Loads an instance of the wire (object parsed from wire_object_image)
 * whose peer program redirects to target_ifindex and whose primary program
 * passes only packets that carry secret; linking it is the caller's. */
int wire_load(struct bpf_object *object, uint32_t target_ifindex,
	      const uint32_t secret[WIRE_SECRET_WORDS]);

/* Loads an instance of the wire for one host-side device: its peer program
 * redirects to target_ifindex, its primary program passes only packets that
 * carry secret. Links are created on host_ifindex and pinned as
 * pin_dir/primary and pin_dir/peer. On failure nothing stays pinned. */
int wire_attach(struct bpf_object *object, uint32_t host_ifindex, uint32_t target_ifindex,
		const uint32_t secret[WIRE_SECRET_WORDS], const char *pin_dir);

/* Sums the per-CPU counters of the wire attached at host_ifindex. -ENOENT
 * when no wire program is attached there. */
int wire_read_counters(uint32_t host_ifindex, struct wire_count counters[WIRE_COUNTER_MAX]);

/* The same for a primary program already known by its id (for callers that
 * have queried the device themselves); -ENOENT if it is not the wire. */
int wire_read_program_counters(uint32_t program_id,
			       struct wire_count counters[WIRE_COUNTER_MAX]);

#endif
