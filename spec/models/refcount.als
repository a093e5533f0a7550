/*
 * (g) Reference counting with Bacon-Rajan synchronous trial deletion (modules/gc, RefCountCollector).
 *
 * A heap of objects with reference fields, root slots, exact counts (GC-30: count = referrers + roots; fields are a
 * set here, so a referrer counts once), and a candidate buffer. One cycle collection, as the sets its phases compute:
 *   MarkGray  gray = everything the candidates reach; every edge inside it is trial-deleted:
 *             trial(o) = count(o) - #{gray objects referencing o}
 *   Scan      black = the gray objects still counted from outside (trial > 0) and everything they reach through gray
 *             objects (ScanBlack restores those counts); white = gray - black
 *   Collect   the white objects are freed.
 * Safety (GC-3): no object reachable from the roots is freed. Completeness (GC-32): when every unreachable object is
 * reachable from the buffer (GC-33, which the collector keeps between collections), the collection frees every
 * unreachable object. The broken variant removes the scan step (white = the gray objects whose trial count is 0,
 * nothing turned back black): it must produce a counterexample, a live object freed — an object only gray objects
 * reference, which one externally held object keeps alive.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module refcount

sig Obj {
  fields: set Obj
}

one sig Roots {
  objs: set Obj
}

one sig Buffer {
  candidates: set Obj
}

-- GC-30: the count of every object, exact.
fun count[o: Obj]: Int { plus[#(fields.o), (o in Roots.objs) => 1 else 0] }

fun reachable: set Obj { Roots.objs.*fields }

-- MarkGray: everything the candidates reach.
fun gray: set Obj { Buffer.candidates.*fields }

-- The count left after every reference from a gray object is trial-deleted.
fun trial[o: Obj]: Int { minus[count[o], #(fields.o & gray)] }

-- Scan: gray objects still held from outside the gray subgraph, and what they reach through gray objects.
fun external: set Obj { { o: gray | trial[o] > 0 } }

fun black: set Obj { external.*(gray <: fields :> gray) }

fun white: set Obj { gray - black }

-- Broken: no scan; a gray object whose trial count is 0 is taken for garbage.
fun brokenWhite: set Obj { gray - external }

-- GC-3: nothing reachable from the roots is freed.
assert trialDeletionIsSafe { no (white & reachable) }

-- GC-32 (given GC-33): every unreachable object is freed.
assert trialDeletionIsComplete { (Obj - reachable) in gray implies white = Obj - reachable }

assert brokenTrialDeletionIsSafe { no (brokenWhite & reachable) }

run aGarbageCycleHangingOffALiveOne {
  some white
  some black
  some o: white | o in o.^fields
  some Roots.objs
} for 5 but 5 Int expect 1

check trialDeletionIsSafe for 5 but 5 Int expect 0
check trialDeletionIsComplete for 5 but 5 Int expect 0
check brokenTrialDeletionIsSafe for 5 but 5 Int expect 1
