/*
 * (i) The fixed-size object pool: conservation (POOL-1) and a free list without repeats (POOL-2).
 *
 * N objects exist from construction on and no other ever appears (POOL-3: the pool never grows). Each is in one
 * place: on the free list (a sequence from head), never handed out (above the watermark), or live (its bit set in
 * the live bitmap, which sits outside the objects).
 *
 * Operations, as PoolAllocator does them: take (the free list's head, else the object at the watermark, else none:
 * malloc returns 0 and nothing changes), give back (only a live object: its bit is cleared and it becomes the head;
 * a double give-back or a foreign pointer is refused with the pool unchanged). Checked: take and give back preserve
 * POOL-1 and POOL-2, and a refused give-back changes nothing. A deliberately broken give-back that trusts the caller
 * (no live-bit test, as a pool that links freed objects without a bitmap does) must produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module pool

sig Obj {}

sig Pool {
  free: seq Obj,     -- the free list, head first
  fresh: set Obj,    -- never handed out (at or above the watermark)
  live: set Obj      -- the live bitmap
}

-- POOL-1 and POOL-2: every object in exactly one place, none twice on the free list.
pred conserved[p: Pool] {
  not p.free.hasDups
  p.free.elems + p.fresh + p.live = Obj
  no p.free.elems & p.fresh
  no p.free.elems & p.live
  no p.fresh & p.live
}

pred take[p, p2: Pool, x: Obj] {
  not p.free.isEmpty => {
    x = p.free.first
    p2.free = p.free.rest
    p2.fresh = p.fresh
  } else {
    x in p.fresh
    p2.free = p.free
    p2.fresh = p.fresh - x
  }
  p2.live = p.live + x
}

-- Exhaustion: nothing to take, nothing changes (malloc returns 0).
pred exhausted[p, p2: Pool] {
  p.free.isEmpty and no p.fresh
  p2.free = p.free and p2.fresh = p.fresh and p2.live = p.live
}

pred give[p, p2: Pool, x: Obj] {
  x in p.live
  p2.free = p.free.insert[0, x]
  p2.fresh = p.fresh
  p2.live = p.live - x
}

-- A refused give-back (DoubleFreeException, InvalidPointerException): the pool as it was.
pred refuse[p, p2: Pool, x: Obj] {
  x not in p.live
  p2.free = p.free and p2.fresh = p.fresh and p2.live = p.live
}

-- Broken: links the object in without testing its live bit.
pred giveUnchecked[p, p2: Pool, x: Obj] {
  p2.free = p.free.insert[0, x]
  p2.fresh = p.fresh
  p2.live = p.live - x
}

assert takePreservesConservation { all p, p2: Pool, x: Obj | conserved[p] and take[p, p2, x] implies conserved[p2] }
assert givePreservesConservation {
  all p, p2: Pool, x: Obj | conserved[p] and give[p, p2, x] and #p2.free = add[#p.free, 1] implies conserved[p2]
}
assert refusalChangesNothing { all p, p2: Pool, x: Obj | conserved[p] and refuse[p, p2, x] implies conserved[p2] and p2.live = p.live }
assert exhaustionTakesNothing { all p, p2: Pool | conserved[p] and exhausted[p, p2] implies p2.live = Obj }
assert brokenGivePreservesConservation {
  all p, p2: Pool, x: Obj | conserved[p] and giveUnchecked[p, p2, x] and #p2.free = add[#p.free, 1] implies conserved[p2]
}

run takeFromTheFreeListThenTheWatermark {
  some p, p2, p3: Pool, x, y: Obj | conserved[p] and take[p, p2, x] and take[p2, p3, y] and #p.free = 1 and some p.fresh
} for 4 but exactly 3 Pool, 5 Int, 4 seq expect 1

check takePreservesConservation for 4 but exactly 2 Pool, 5 Int, 4 seq expect 0
check givePreservesConservation for 4 but exactly 2 Pool, 5 Int, 4 seq expect 0
check refusalChangesNothing for 4 but exactly 2 Pool, 5 Int, 4 seq expect 0
check exhaustionTakesNothing for 4 but exactly 2 Pool, 5 Int, 4 seq expect 0
check brokenGivePreservesConservation for 4 but exactly 2 Pool, 5 Int, 4 seq expect 1
