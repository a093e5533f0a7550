/*
 * (g) A remembered set and a minor collection (modules/gc, GenerationalCollector: card table or sequential store
 * buffer). Objects are young (in the nursery) or old (tenured). Between collections the mutator stores references: it
 * reads a reference it can reach and stores it into a field of an object it can reach, overwriting what the field held.
 * The write barrier remembers an old object whose field receives a young reference (its card is dirtied, or the field
 * appended to the store buffer). A minor collection traces only the young objects: from the roots and from the fields
 * of the remembered old objects, through young objects; every young object it does not reach is freed (old objects
 * are not traced: what an old object names stays alive, nepotism included).
 *
 * GC-9: every old -> young reference has its source remembered, at every step (the state a minor collection starts
 * from). The barrier removed, an old object that took the only reference to a young one is not remembered, the minor
 * trace misses it and frees a reachable object — the same shape as tricolour.als: the remembered set is to a minor
 * collection what the gray set is to a marking cycle.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module remset

open util/ordering[Step]

sig Obj {}
sig Young extends Obj {}
fun old: set Obj { Obj - Young }

one sig Roots {
  objs: set Obj
}

abstract sig Barrier {}
one sig CardMarking, NoBarrier extends Barrier {}

sig Step {
  fields: Obj -> Obj,
  remembered: set Obj
}

fun reachable[s: Step]: set Obj { Roots.objs.*(s.fields) }

-- Right after a collection, the remembered set covers every old -> young edge (it may hold more: clean cards are
-- cleared only by a collection).
pred init[s: Step] { (old <: s.fields :> Young).Young in s.remembered }

-- Mutator: a.f := x where a.f held y (y none: a new edge; x none: a deletion).
pred store[s, s2: Step, b: Barrier, a: Obj, y: set Obj, x: set Obj] {
  lone y and lone x
  a in reachable[s]
  x in reachable[s]
  y in a.(s.fields)
  some x + y
  s2.fields = s.fields - a -> y + a -> x
  (b = CardMarking and a in old and x in Young) implies s2.remembered = s.remembered + a else s2.remembered = s.remembered
}

pred mutating[b: Barrier] {
  init[first]
  all s: Step - last | (some a, y, x: Obj | store[s, s.next, b, a, y, x])
    or (some a, x: Obj | store[s, s.next, b, a, none, x]) or (some a, y: Obj | store[s, s.next, b, a, y, none])
}

-- The minor collection's trace from the state s: young roots and the young targets of remembered old objects, then
-- young -> young edges.
fun survivors[s: Step]: set Young {
  let start = (Roots.objs + (s.remembered & old).(s.fields)) & Young | start.*(Young <: s.fields :> Young)
}

fun freed[s: Step]: set Young { Young - survivors[s] }

-- GC-9: every old -> young edge has a remembered source, at every step.
assert rememberedSetCoversOldToYoung {
  mutating[CardMarking] implies (all s: Step | (old <: s.fields :> Young).Young in s.remembered)
}

-- Safety (GC-3 for a minor collection): it frees no reachable young object.
assert minorCollectionIsSafe { mutating[CardMarking] implies no (freed[last] & reachable[last]) }

-- Broken: the barrier removed. A reachable young object is freed by the minor collection.
assert noBarrierMinorCollectionIsSafe { mutating[NoBarrier] implies no (freed[last] & reachable[last]) }

run anOldObjectTakesAYoungReference {
  mutating[CardMarking] and some s: Step | some (old <: (s.next.fields - s.fields) :> Young)
} for 4 but 5 Step expect 1
check rememberedSetCoversOldToYoung for 4 but 5 Step expect 0
check minorCollectionIsSafe for 4 but 5 Step expect 0
check noBarrierMinorCollectionIsSafe for 4 but 5 Step expect 1
