/*
 * (g) The stack: frames nest (STACK-3), and popping a frame gives back exactly what was pushed since.
 *
 * The live part of the stack, [sp, base), is a sequence of records, newest (at sp) first: blocks and frame records.
 * fp names the newest frame record; each frame record saves the frame pointer before it (the next frame record up
 * the sequence) and carries its serial, the token pop must present. Serials are issued 1, 2, 3, ... and never
 * reused.
 *
 * Operations, as StackAllocator does them: push (a frame record at sp, fp = it), alloc (a block at sp), free (only
 * the block at sp), pop(token) (only when the record at fp carries the token: sp moves above it, fp = its saved fp).
 * Checked: every operation preserves the nesting (STACK-3), and push followed by pop of its token restores the
 * stack exactly. A deliberately broken pop that trusts any open frame's token but restores fp from the newest frame
 * (no "token = serial(fp)" check) must produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module stack

abstract sig Kind {}
one sig Blk, Frm extends Kind {}

sig Rec { kind: one Kind }

sig Stack {
  recs: seq Rec,            -- the live records, recs[0] at sp (the newest)
  fp: lone Rec,             -- the newest frame record (none: only the base frame)
  saved: Rec -> lone Rec,   -- a frame record's saved frame pointer (none: it was the first frame)
  serialOf: Rec -> lone Int,
  serial: one Int           -- the last serial issued
}

fun frames[s: Stack]: set Rec { s.recs.elems & kind.Frm }

-- The newest frame record strictly above index i (further from sp), if any.
fun frameAbove[s: Stack, i: Int]: lone Rec {
  { r: frames[s] | let j = s.recs.idxOf[r] | j > i and no k: s.recs.inds | k > i and k < j and s.recs[k] in frames[s] }
}

-- STACK-3 (and what STACK-2 gives it: each record once).
pred nested[s: Stack] {
  not s.recs.hasDups
  s.serial >= 0
  -- fp is the frame record nearest sp, or none when no frame is open
  s.fp = frameAbove[s, -1]
  -- the saved frame pointers chain the frame records in address order, and nothing else has one
  all f: frames[s] | f.(s.saved) = frameAbove[s, s.recs.idxOf[f]]
  s.saved.Rec in frames[s]
  -- serials: positive, at most the last issued, strictly decreasing from sp upward; only frame records have one
  s.serialOf.Int = frames[s]
  all f: frames[s] | f.(s.serialOf) > 0 and f.(s.serialOf) <= s.serial
  all f, g: frames[s] | s.recs.idxOf[f] < s.recs.idxOf[g] implies f.(s.serialOf) > g.(s.serialOf)
}

pred push[s, s2: Stack, f: Rec] {
  f.kind = Frm and f not in s.recs.elems
  s2.serial = add[s.serial, 1] and s2.serial > s.serial   -- the model's serials are 5-bit: none wraps
  s2.recs = s.recs.insert[0, f] and s2.recs.elems = s.recs.elems + f   -- within the sequence scope
  s2.fp = f
  s2.saved = s.saved ++ f -> s.fp
  s2.serialOf = s.serialOf ++ f -> s2.serial
}

pred alloc[s, s2: Stack, b: Rec] {
  b.kind = Blk and b not in s.recs.elems
  s2.recs = s.recs.insert[0, b] and s2.recs.elems = s.recs.elems + b
  s2.fp = s.fp and s2.saved = s.saved and s2.serialOf = s.serialOf and s2.serial = s.serial
}

pred free[s, s2: Stack, b: Rec] {
  b.kind = Blk and s.recs.first = b
  s2.recs = s.recs.rest
  s2.fp = s.fp and s2.saved = s.saved and s2.serialOf = s.serialOf and s2.serial = s.serial
}

-- Releases the records from sp up to and including frame record f.
pred cutAt[s, s2: Stack, f: Rec] {
  s2.recs = s.recs.subseq[add[s.recs.idxOf[f], 1], s.recs.lastIdx]
  s2.serialOf = s.serialOf - f -> Int
  s2.serial = s.serial
}

pred pop[s, s2: Stack, token: Int] {
  some s.fp and s.fp.(s.serialOf) = token
  cutAt[s, s2, s.fp]
  s2.fp = s.fp.(s.saved)
  s2.saved = s.saved - s.fp -> Rec
}

-- Broken: finds the frame by its token among all open frames, cuts there, but restores fp from the newest frame.
pred popAnyToken[s, s2: Stack, token: Int] {
  some f: frames[s] | f.(s.serialOf) = token and {
    cutAt[s, s2, f]
    s2.fp = s.fp.(s.saved)
    s2.saved = s.saved - f -> Rec
  }
}

assert pushPreservesNesting { all s, s2: Stack, f: Rec | nested[s] and push[s, s2, f] implies nested[s2] }
assert allocPreservesNesting { all s, s2: Stack, b: Rec | nested[s] and alloc[s, s2, b] implies nested[s2] }
assert freePreservesNesting { all s, s2: Stack, b: Rec | nested[s] and free[s, s2, b] implies nested[s2] }
assert popPreservesNesting { all s, s2: Stack, t: Int | nested[s] and pop[s, s2, t] implies nested[s2] }
assert popUndoesPush {
  all s, s1, s2: Stack, f: Rec | nested[s] and push[s, s1, f] and pop[s1, s2, s1.serial] implies
    s2.recs = s.recs and s2.fp = s.fp and s2.saved = s.saved and s2.serialOf = s.serialOf
}
assert brokenPopPreservesNesting { all s, s2: Stack, t: Int | nested[s] and popAnyToken[s, s2, t] implies nested[s2] }

run popOfAFrameHoldingBlocks {
  some s, s2: Stack, t: Int | nested[s] and pop[s, s2, t] and #frames[s] = 2 and #(s.recs.elems & kind.Blk) = 2
} for 5 but exactly 2 Stack, 5 Int, 5 seq expect 1

check pushPreservesNesting for 5 but exactly 2 Stack, 5 Int, 4 seq expect 0
check allocPreservesNesting for 5 but exactly 2 Stack, 5 Int, 4 seq expect 0
check freePreservesNesting for 5 but exactly 2 Stack, 5 Int, 4 seq expect 0
check popPreservesNesting for 5 but exactly 2 Stack, 5 Int, 4 seq expect 0
check popUndoesPush for 5 but exactly 3 Stack, 5 Int, 4 seq expect 0
check brokenPopPreservesNesting for 5 but exactly 2 Stack, 5 Int, 4 seq expect 1
