/*
 * (f) Sliding compaction (modules/gc, MarkCompactCollector, LISP2): forwarding addresses give the live objects a
 * prefix of the space in their old order; every field and root is rewritten through them; the objects move.
 * GC-6: the graph after is the graph before (each root and each field names the same object, every object that
 * stays is reachable). GC-7: the live objects keep their address order and the free space is one run at the end.
 *
 * Addresses are object starts of unit size (sizes change the arithmetic of the forwarding addresses, not the order
 * argument). An object atom stands for the object's identity and data. A deliberately broken compaction that forgets
 * to update the root slots (the bug planted in PlantedBugTest) must produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module compaction

open util/ordering[Addr]

sig Addr {}

sig Obj {}

sig Heap {
  at: Addr -> lone Obj,
  field: Addr -> lone Addr,
  root: set Addr,
  fwd: Addr -> lone Addr
}

-- Well formed before a collection: one address per object; fields and roots name object starts (GC-2).
pred wf[h: Heap] {
  all o: Obj | lone h.at.o
  h.field.Addr + Addr.(h.field) + h.root in h.at.Obj
}

fun live[h: Heap]: set Addr { h.root.*(h.field) }

-- LISP2 step 2: the live objects, in address order, onto a prefix of the space.
pred forwarding[h: Heap] {
  h.fwd.Addr = live[h]
  all a, b: live[h] | lt[a, b] iff lt[a.(h.fwd), b.(h.fwd)]
  all x: live[h].(h.fwd), y: Addr | lt[y, x] implies y in live[h].(h.fwd)
}

-- Steps 3 and 4: every field and root rewritten through the forwarding addresses, every live object moved.
pred slide[h, h2: Heap] {
  forwarding[h]
  h2.at = ~(h.fwd).(h.at)
  h2.field = ~(h.fwd).(h.field).(h.fwd)
  h2.root = h.root.(h.fwd)
}

-- Broken: the roots are not updated.
pred brokenSlide[h, h2: Heap] {
  forwarding[h]
  h2.at = ~(h.fwd).(h.at)
  h2.field = ~(h.fwd).(h.field).(h.fwd)
  h2.root = h.root
}

pred graphPreserved[h, h2: Heap] {
  h2.root.(h2.at) = h.root.(h.at)
  all a: live[h] | a.(h.fwd).(h2.at) = a.(h.at)
  all a: live[h] | a.(h.fwd).(h2.field).(h2.at) = a.(h.field).(h.at)
  h2.at.Obj = live[h2]
}

pred orderKeptAndOneFreeRun[h, h2: Heap] {
  all a, b: live[h] | lt[a, b] implies lt[a.(h.fwd), b.(h.fwd)]
  all x: h2.at.Obj, y: Addr | lt[y, x] implies y in h2.at.Obj
}

-- GC-6
assert slidingPreservesTheGraph { all h, h2: Heap | (wf[h] and slide[h, h2]) implies graphPreserved[h, h2] }

-- GC-7
assert slidingKeepsOrderAndOneFreeRun { all h, h2: Heap | (wf[h] and slide[h, h2]) implies orderKeptAndOneFreeRun[h, h2] }

assert brokenSlidingPreservesTheGraph { all h, h2: Heap | (wf[h] and brokenSlide[h, h2]) implies graphPreserved[h, h2] }

run slidingOverGarbage { some h, h2: Heap | wf[h] and slide[h, h2] and some (h.at.Obj - live[h]) and some h.field } for 4 but 2 Heap expect 1
check slidingPreservesTheGraph for 4 but 2 Heap expect 0
check slidingKeepsOrderAndOneFreeRun for 4 but 2 Heap expect 0
check brokenSlidingPreservesTheGraph for 4 but 2 Heap expect 1
