/*
 * (c) Slab caches: the object slots of every slab partition into free and allocated (SLAB-1), and each slab is on
 * the list its in-use count says: empty (0), partial (between) or full (all slots) (SLAB-2).
 *
 * alloc prefers a partial slab, then an empty one; free returns a slot and moves the slab to the list its new
 * count selects. A deliberately broken free that leaves the slab on its old list must produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module slab

sig Slot {}

sig Slab {
  slots: some Slot
}

-- Each slot belongs to one slab; every slab has CAP slots.
fact slotsBelongToOneSlab { all x: Slot | one slots.x }
let CAP = 3
fact sameCapacity { all s: Slab | #s.slots = CAP }

sig Cache {
  free: Slab -> Slot,
  allocated: Slab -> Slot,
  inuse: Slab -> lone Int,
  empty, partial, full: set Slab
}

fun slabsOf[c: Cache]: set Slab { c.empty + c.partial + c.full }

-- SLAB-1: the slots of each slab of the cache are either free or allocated, never both.
pred partitioned[c: Cache] {
  all s: slabsOf[c] | s.(c.free) + s.(c.allocated) = s.slots and no s.(c.free) & s.(c.allocated)
  all s: Slab - slabsOf[c] | no s.(c.free) and no s.(c.allocated) and no s.(c.inuse)
}

-- SLAB-2: the in-use count is the number of allocated slots, and the list follows it.
pred listed[c: Cache] {
  no c.empty & c.partial and no c.partial & c.full and no c.empty & c.full
  all s: slabsOf[c] {
    s.(c.inuse) = #s.(c.allocated)
    s in c.empty iff s.(c.inuse) = 0
    s in c.full iff s.(c.inuse) = CAP
  }
}

pred wellFormed[c: Cache] { partitioned[c] and listed[c] }

-- Moves slab s to the list that count n selects.
pred relist[c, c2: Cache, s: Slab, n: Int] {
  c2.empty = (n = 0 => c.empty + s else c.empty - s)
  c2.full = (n = CAP => c.full + s else c.full - s)
  c2.partial = (n > 0 and n < CAP => c.partial + s else c.partial - s)
}

pred alloc[c, c2: Cache, s: Slab, x: Slot] {
  s in (some c.partial => c.partial else c.empty)
  x in s.(c.free)
  c2.free = c.free - s -> x
  c2.allocated = c.allocated + s -> x
  c2.inuse = c.inuse ++ s -> add[s.(c.inuse), 1]
  relist[c, c2, s, add[s.(c.inuse), 1]]
}

pred free[c, c2: Cache, s: Slab, x: Slot] {
  x in s.(c.allocated)
  c2.free = c.free + s -> x
  c2.allocated = c.allocated - s -> x
  c2.inuse = c.inuse ++ s -> sub[s.(c.inuse), 1]
  relist[c, c2, s, sub[s.(c.inuse), 1]]
}

-- A broken free: the slab stays on its old list.
pred freeKeepingList[c, c2: Cache, s: Slab, x: Slot] {
  x in s.(c.allocated)
  c2.free = c.free + s -> x
  c2.allocated = c.allocated - s -> x
  c2.inuse = c.inuse ++ s -> sub[s.(c.inuse), 1]
  c2.empty = c.empty and c2.partial = c.partial and c2.full = c.full
}

assert allocPreservesInvariants { all c, c2: Cache, s: Slab, x: Slot | wellFormed[c] and alloc[c, c2, s, x] implies wellFormed[c2] }
assert freePreservesInvariants { all c, c2: Cache, s: Slab, x: Slot | wellFormed[c] and free[c, c2, s, x] implies wellFormed[c2] }
assert brokenFreeKeepsLists { all c, c2: Cache, s: Slab, x: Slot | wellFormed[c] and freeKeepingList[c, c2, s, x] implies wellFormed[c2] }

run allocFillingASlab {
  some c, c2: Cache, s: Slab, x: Slot | wellFormed[c] and alloc[c, c2, s, x] and s in c.partial and s in c2.full
} for 6 but exactly 2 Cache, exactly 2 Slab, 4 Int expect 1

check allocPreservesInvariants for 6 but exactly 2 Cache, 4 Int expect 0
check freePreservesInvariants for 6 but exactly 2 Cache, 4 Int expect 0
check brokenFreeKeepsLists for 6 but exactly 2 Cache, 4 Int expect 1
