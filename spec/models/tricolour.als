/*
 * (f) Tri-colour marking with a mutator that moves references (modules/gc: IncrementalCollector, Dijkstra or Yuasa
 * barrier; ConcurrentCollector, SATB). Between marker steps the mutator stores references: it reads a reference it can
 * reach and stores it into a field of an object it can reach, overwriting what the field held (a store of NULL only
 * deletes). Colours: black = marked and not gray, gray = on the mark stack, white = not marked.
 *
 * The root scan shades the roots (init); the roots do not change afterwards (the collectors' barriers also cover
 * root stores; a fixed root set is the smallest model in which the lost-object race exists). A marker step pops a
 * gray object and shades every unmarked object its fields name. Marking ends when no object is gray, and the sweep
 * frees every unmarked object. New objects are not modelled (they are allocated black: GC-15, checked in code).
 *
 *   dijkstra  the store shades the new value (insertion barrier): the strong invariant (GC-12) holds at every step
 *   yuasa     the store shades the overwritten value (deletion barrier, snapshot at the beginning): every white object
 *             reachable at the snapshot stays reachable from a gray object through white objects (GC-13)
 *   none      the barrier removed: the classic race — a black object takes the only reference to a white object
 *             while the gray path to it is cut — leaves a reachable object white, and the sweep frees it
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module tricolour

open util/ordering[Step]

sig Obj {}

one sig Roots {
  objs: set Obj
}

abstract sig Barrier {}
one sig Dijkstra, Yuasa, NoBarrier extends Barrier {}

sig Step {
  fields: Obj -> Obj,
  marked: set Obj,
  gray: set Obj
}

fun reachable[s: Step]: set Obj { Roots.objs.*(s.fields) }
fun black[s: Step]: set Obj { s.marked - s.gray }
fun white[s: Step]: set Obj { Obj - s.marked }

-- The root scan: the roots are shaded.
pred init[s: Step] { s.marked = Roots.objs and s.gray = Roots.objs }

pred done[s: Step] { no s.gray }

pred shade[s, s2: Step, x: set Obj] {
  s2.marked = s.marked + x
  s2.gray = s.gray + (x - s.marked)
}

-- Marker: pop o; shade every object its fields name.
pred markStep[s, s2: Step, o: Obj] {
  o in s.gray
  s2.fields = s.fields
  s2.marked = s.marked + o.(s.fields)
  s2.gray = (s.gray - o) + (o.(s.fields) - s.marked)
}

-- Mutator: a.f := x where a.f held y (y may be none: a new edge; x may be none: a deletion), through barrier b.
pred store[s, s2: Step, b: Barrier, a: Obj, y: set Obj, x: set Obj] {
  lone y and lone x
  not done[s]
  a in reachable[s]
  x in reachable[s]
  y in a.(s.fields)
  some x + y
  s2.fields = s.fields - a -> y + a -> x
  b = Dijkstra implies shade[s, s2, x]
  b = Yuasa implies shade[s, s2, y]
  b = NoBarrier implies (s2.marked = s.marked and s2.gray = s.gray)
}

pred stutter[s, s2: Step] { done[s] and s2.fields = s.fields and s2.marked = s.marked and s2.gray = s.gray }

pred cycle[b: Barrier] {
  init[first]
  all s: Step - last | stutter[s, s.next] or (some o: Obj | markStep[s, s.next, o])
    or (some a, y, x: Obj | store[s, s.next, b, a, y, x])
    or (some a, x: Obj | store[s, s.next, b, a, none, x]) or (some a, y: Obj | store[s, s.next, b, a, y, none])
}

-- The sweep frees exactly the unmarked objects.
fun freed[s: Step]: set Obj { Obj - s.marked }

-- GC-12: under Dijkstra no black object names a white one, at every step.
assert dijkstraKeepsTheStrongInvariant {
  cycle[Dijkstra] implies (all s: Step | no (black[s] <: s.fields :> white[s]))
}

-- GC-13: under Yuasa every white object reachable at the snapshot is reachable from a gray one through white ones.
assert yuasaKeepsTheSnapshotInvariant {
  cycle[Yuasa] implies (all s: Step | (reachable[first] & white[s]) in s.gray.^(s.fields :> white[s]))
}

-- GC-14: when marking ends, everything reachable at the snapshot (Yuasa) or at the end (Dijkstra) is black.
assert markingCompletes {
  (cycle[Dijkstra] and done[last]) implies reachable[last] in black[last]
  (cycle[Yuasa] and done[last]) implies reachable[first] in black[last]
}

-- Safety (GC-3): the sweep after marking frees nothing reachable.
assert dijkstraIsSafe { (cycle[Dijkstra] and done[last]) implies no (freed[last] & reachable[last]) }
assert yuasaIsSafe { (cycle[Yuasa] and done[last]) implies no (freed[last] & reachable[last]) }

-- Broken: the barrier removed. A reachable object is swept.
assert noBarrierIsSafe { (cycle[NoBarrier] and done[last]) implies no (freed[last] & reachable[last]) }

-- Broken: Yuasa alone does not keep the strong invariant (a black object may name a white one that a gray path
-- still protects): the two invariants are different, and each barrier keeps its own.
assert yuasaKeepsTheStrongInvariant {
  cycle[Yuasa] implies (all s: Step | no (black[s] <: s.fields :> white[s]))
}

run aMutatorMovesAReferenceDuringMarking {
  cycle[Yuasa] and done[last] and some s: Step | some (s.next.fields - s.fields) and some (s.fields - s.next.fields)
} for 4 but 6 Step expect 1
check dijkstraKeepsTheStrongInvariant for 4 but 6 Step expect 0
check yuasaKeepsTheSnapshotInvariant for 4 but 6 Step expect 0
check markingCompletes for 4 but 6 Step expect 0
check dijkstraIsSafe for 4 but 6 Step expect 0
check yuasaIsSafe for 4 but 6 Step expect 0
check noBarrierIsSafe for 4 but 6 Step expect 1
check yuasaKeepsTheStrongInvariant for 4 but 6 Step expect 1
