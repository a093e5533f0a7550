package org.jalloc.slab;

/**
 * What the slab layer knows about one object ({@link SlabAllocator#objectInfo}): its cache, slab and slot, whether it
 * is allocated, and, in caches with user tracking (debug flag U), its last alloc and free sites and threads (empty
 * strings and 0 otherwise).
 *
 * @param cache       the cache's name
 * @param object      the object's address
 * @param slab        the slab's first page
 * @param index       the slot's index in the slab
 * @param state       "allocated", "in a magazine", or "free ..."
 * @param allocSite   the first stack frame outside jalloc of the last allocation
 * @param allocThread its thread id (truncated to 32 bits)
 * @param freeSite    the same for the last free
 * @param freeThread  its thread id
 */
public record SlabObjectInfo(String cache, long object, long slab, int index, String state, String allocSite, long allocThread,
                             String freeSite, long freeThread) {}
