/*
 * (e) Mark-sweep (modules/gc, MarkSweepCollector): marking with an explicit mark stack, then a sweep that frees every
 * unmarked object. Safety (GC-3): no object reachable from the roots is freed. Completeness (GC-4): every object the
 * roots do not reach is freed.
 *
 * The mark phase is a trace of steps: the stack ("gray") starts as the roots (marked); a step pops an object and
 * marks and pushes every unmarked object its fields name; marking is done when the stack is empty (then the state
 * stutters). The sweep frees Obj - marked. A deliberately broken step that does not scan the fields of arrays (a
 * sweep that skips the mark test for one type has the same effect) must produce a counterexample: a reachable
 * object freed.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module marksweep

open util/ordering[Step]

sig Obj {
  fields: set Obj
}

-- Objects of one type whose fields the broken step forgets to scan.
sig Array extends Obj {}

one sig Roots {
  objs: set Obj
}

sig Step {
  marked: set Obj,
  gray: set Obj
}

fun reachable: set Obj { Roots.objs.*fields }

pred init[s: Step] { s.marked = Roots.objs and s.gray = Roots.objs }

pred done[s: Step] { no s.gray }

-- Pop o; mark and push every unmarked object its fields name.
pred markStep[s, s2: Step, o: Obj] {
  o in s.gray
  s2.marked = s.marked + o.fields
  s2.gray = (s.gray - o) + (o.fields - s.marked)
}

-- Broken: the fields of an array are not scanned.
pred brokenMarkStep[s, s2: Step, o: Obj] {
  o in s.gray
  o in Array implies (s2.marked = s.marked and s2.gray = s.gray - o)
  o not in Array implies (s2.marked = s.marked + o.fields and s2.gray = (s.gray - o) + (o.fields - s.marked))
}

pred stutter[s, s2: Step] { done[s] and s2.marked = s.marked and s2.gray = s.gray }

pred marking {
  init[first]
  all s: Step - last | stutter[s, s.next] or (some o: Obj | markStep[s, s.next, o])
}

pred brokenMarking {
  init[first]
  all s: Step - last | stutter[s, s.next] or (some o: Obj | brokenMarkStep[s, s.next, o])
}

-- The sweep frees exactly the unmarked objects.
fun freed[s: Step]: set Obj { Obj - s.marked }

-- GC-3: nothing reachable is freed.
assert markSweepIsSafe { (marking and done[last]) implies no (freed[last] & reachable) }

-- GC-4: everything unreachable is freed.
assert markSweepIsComplete { (marking and done[last]) implies freed[last] = Obj - reachable }

assert brokenMarkSweepIsSafe { (brokenMarking and done[last]) implies no (freed[last] & reachable) }

run sweepingGarbageAfterADeepMark { marking and done[last] and some freed[last] and some Roots.objs.fields.fields } for 4 but 6 Step expect 1
check markSweepIsSafe for 4 but 6 Step expect 0
check markSweepIsComplete for 4 but 6 Step expect 0
check brokenMarkSweepIsSafe for 4 but 6 Step expect 1
