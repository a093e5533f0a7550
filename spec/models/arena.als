/*
 * (h) The bump arena: open marks nest (ARENA-3) and nothing reclaimable sits at the top (ARENA-4).
 *
 * The extents from start to the bump pointer are a sequence of blocks, oldest first; a block is live or dead
 * (freed, its bytes not yet given back). The open marks form a stack of positions (how many extents lay below the
 * bump pointer when each was taken); the floor is the newest one's position, or 0.
 *
 * Operations, as ArenaAllocator does them: malloc (a block at the top), mark (push the top's position), free (the
 * newest block above the floor gives its bytes back at once, then the dead blocks right below it down to the floor;
 * any other live block only becomes dead), release(i) (open mark i and every newer one close; the top goes back to
 * mark i's position, then dead blocks are reclaimed down to the new floor), a release of a mark no longer open
 * (StaleCheckpointException, nothing changes) and reset. Checked: every operation preserves ARENA-3 and ARENA-4. A
 * deliberately broken release that does not reclaim must produce a counterexample: a block freed while a newer
 * mark was open is left dead at the top.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module arena

sig Blk {}

sig Arena {
  blocks: seq Blk,   -- the extents, oldest first; the bump pointer is after the last
  dead: set Blk,     -- freed, bytes not yet given back
  marks: seq Int     -- the open marks' positions, oldest first
}

fun floor[a: Arena]: Int { a.marks.isEmpty => 0 else a.marks.last }

pred wellFormed[a: Arena] {
  not a.blocks.hasDups
  a.dead in a.blocks.elems
  -- ARENA-3: positions non-decreasing, each at an extent boundary at or below the bump pointer
  all i: a.marks.inds | a.marks[i] >= 0 and a.marks[i] <= #a.blocks
  all i: a.marks.inds - a.marks.lastIdx | a.marks[i] <= a.marks[add[i, 1]]
  -- ARENA-4: above the floor, the extent ending at the bump pointer is live
  #a.blocks > floor[a] implies a.blocks.last not in a.dead
}

-- a2's blocks: a's first n0 blocks less the dead ones at their end, never below fl; dead blocks cut off are gone.
pred cut[a, a2: Arena, n0, fl: Int] {
  some n: Int {
    fl <= n and n <= n0
    #a2.blocks = n and (all k: a2.blocks.inds | a2.blocks[k] = a.blocks[k])
    all k: Int | k >= n and k < n0 implies a.blocks[k] in a.dead
    n > fl implies a.blocks[sub[n, 1]] not in a.dead
  }
  a2.dead = a.dead & a2.blocks.elems
}

pred malloc[a, a2: Arena, b: Blk] {
  b not in a.blocks.elems
  a2.blocks = a.blocks.add[b] and a2.blocks.elems = a.blocks.elems + b   -- within the sequence scope
  a2.dead = a.dead and a2.marks = a.marks
}

pred mark[a, a2: Arena] {
  a2.marks = a.marks.add[#a.blocks] and #a2.marks = add[#a.marks, 1]
  a2.blocks = a.blocks and a2.dead = a.dead
}

pred free[a, a2: Arena, b: Blk] {
  b in a.blocks.elems - a.dead
  a2.marks = a.marks
  (b = a.blocks.last and a.blocks.lastIdx >= floor[a]) => cut[a, a2, a.blocks.lastIdx, floor[a]]
  else (a2.blocks = a.blocks and a2.dead = a.dead + b)
}

pred release[a, a2: Arena, i: Int] {
  i in a.marks.inds
  #a2.marks = i and (all k: a2.marks.inds | a2.marks[k] = a.marks[k])
  cut[a, a2, a.marks[i], floor[a2]]
}

pred staleRelease[a, a2: Arena, i: Int] {
  i not in a.marks.inds
  a2.blocks = a.blocks and a2.dead = a.dead and a2.marks = a.marks
}

pred reset[a, a2: Arena] { a2.blocks.isEmpty and no a2.dead and a2.marks.isEmpty }

-- Broken: the top goes back to the mark, and the dead blocks under it stay.
pred releaseWithoutReclaim[a, a2: Arena, i: Int] {
  i in a.marks.inds
  #a2.marks = i and (all k: a2.marks.inds | a2.marks[k] = a.marks[k])
  #a2.blocks = a.marks[i] and (all k: a2.blocks.inds | a2.blocks[k] = a.blocks[k])
  a2.dead = a.dead & a2.blocks.elems
}

assert mallocPreserves { all a, a2: Arena, b: Blk | wellFormed[a] and malloc[a, a2, b] implies wellFormed[a2] }
assert markPreserves { all a, a2: Arena | wellFormed[a] and mark[a, a2] implies wellFormed[a2] }
assert freePreserves { all a, a2: Arena, b: Blk | wellFormed[a] and free[a, a2, b] implies wellFormed[a2] }
assert releasePreserves { all a, a2: Arena, i: Int | wellFormed[a] and release[a, a2, i] implies wellFormed[a2] }
assert staleReleaseChangesNothing { all a, a2: Arena, i: Int | wellFormed[a] and staleRelease[a, a2, i] implies wellFormed[a2] }
assert resetPreserves { all a, a2: Arena | wellFormed[a] and reset[a, a2] implies wellFormed[a2] }
assert releaseUndoesMark {
  all a, a1, a2: Arena | wellFormed[a] and mark[a, a1] and release[a1, a2, #a.marks] implies
    a2.blocks = a.blocks and a2.marks = a.marks and a2.dead = a.dead
}
assert brokenReleasePreserves { all a, a2: Arena, i: Int | wellFormed[a] and releaseWithoutReclaim[a, a2, i] implies wellFormed[a2] }

run releaseReclaimingADeadBlockBelowTheMark {
  some a, a2: Arena, i: Int | wellFormed[a] and release[a, a2, i] and some a.dead and #a2.blocks < a.marks[i]
} for 4 but exactly 2 Arena, 5 Int, 4 seq expect 1

check mallocPreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check markPreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check freePreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check releasePreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check staleReleaseChangesNothing for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check resetPreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 0
check releaseUndoesMark for 4 but exactly 3 Arena, 5 Int, 4 seq expect 0
check brokenReleasePreserves for 4 but exactly 2 Arena, 5 Int, 4 seq expect 1
