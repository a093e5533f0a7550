/*
 * (a) The heap as a tiling of blocks, with boundary-tag coalescing.
 *
 * A heap is a sequence of blocks in address order, each with a start address and a size, and a break (`end`).
 * Tiling (HEAP-1) is stated the way the checker walks: the first block starts at 0, each block starts where the
 * previous one ends, the last one ends at the break. Each block has a header and a footer size tag (boundary
 * tags); for free blocks the footer repeats the header (BT-3).
 *
 * Operations: free with immediate coalescing (merge with a free left and/or right neighbour, found through the
 * boundary tags in O(1)), and malloc that takes a free block and splits off the rest when it is at least the
 * minimum block. Checked: both preserve tiling (HEAP-1), "no two adjacent free blocks" (HEAP-4) and matching
 * tags on free blocks (BT-3). A deliberately broken free (it forgets the left neighbour) must produce a
 * counterexample for HEAP-4.
 *
 * Every command carries its expected outcome: `expect 0` (no instance / no counterexample) or `expect 1`.
 * AlloyModelsTest (modules/project-tests) runs every command and fails the build on any other outcome.
 */
module heap

abstract sig State {}
one sig Free, Used extends State {}

sig Block {
  start: one Int,
  size: one Int,
  footer: one Int,
  state: one State
} {
  size > 0
  -- Small enough that start + size never overflows the 4-bit integers of the scopes below (max 7).
  start >= 0 and start <= 4 and size <= 3
}

-- The header tag is the size field itself.
fun header[b: Block]: Int { b.size }

sig Heap {
  blocks: seq Block,
  end: one Int
}

fun endOf[b: Block]: Int { add[b.start, b.size] }

-- HEAP-1: the blocks tile [0, end) in address order.
pred tiles[h: Heap] {
  not h.blocks.hasDups
  h.blocks.isEmpty implies h.end = 0
  not h.blocks.isEmpty implies {
    h.blocks.first.start = 0
    endOf[h.blocks.last] = h.end
    all i: h.blocks.inds - h.blocks.lastIdx | h.blocks[add[i, 1]].start = endOf[h.blocks[i]]
  }
}

-- HEAP-4: no two free blocks are adjacent.
pred noAdjacentFree[h: Heap] {
  all i: h.blocks.inds - h.blocks.lastIdx |
    not (h.blocks[i].state = Free and h.blocks[add[i, 1]].state = Free)
}

-- BT-3: every free block's footer repeats its header.
pred tagsAgree[h: Heap] {
  all b: h.blocks.elems | b.state = Free implies b.footer = header[b]
}

pred wellFormed[h: Heap] {
  tiles[h]
  noAdjacentFree[h]
  tagsAgree[h]
}

let MIN = 2

-- The blocks lo..hi of h replaced by the single block m. Bounded sequences silently drop elements past the seq
-- scope, so the length is stated too: without it the solver "shortens" heaps and finds bogus counterexamples.
pred replaced[h, h2: Heap, lo, hi: Int, m: Block] {
  h2.blocks = (h.blocks.subseq[0, sub[lo, 1]].add[m]).append[h.blocks.subseq[add[hi, 1], h.blocks.lastIdx]]
  #h2.blocks = sub[#h.blocks, sub[hi, lo]]
  h2.end = h.end
}

-- A new free block covering blocks lo..hi of h.
pred merged[h: Heap, lo, hi: Int, m: Block] {
  m.state = Free
  m.start = h.blocks[lo].start
  m.size = sub[endOf[h.blocks[hi]], m.start]
  m.footer = m.size
}

-- free(i) with immediate coalescing through the boundary tags.
pred free[h, h2: Heap, i: Int] {
  i in h.blocks.inds
  h.blocks[i].state = Used
  let leftFree = (i > 0 and h.blocks[sub[i, 1]].state = Free),
      rightFree = (i < h.blocks.lastIdx and h.blocks[add[i, 1]].state = Free),
      lo = (leftFree => sub[i, 1] else i),
      hi = (rightFree => add[i, 1] else i) |
    some m: Block - h.blocks.elems | merged[h, lo, hi, m] and replaced[h, h2, lo, hi, m]
}

-- A broken free: it merges only with the right neighbour.
pred freeForgettingLeft[h, h2: Heap, i: Int] {
  i in h.blocks.inds
  h.blocks[i].state = Used
  let rightFree = (i < h.blocks.lastIdx and h.blocks[add[i, 1]].state = Free),
      hi = (rightFree => add[i, 1] else i) |
    some m: Block - h.blocks.elems | merged[h, i, hi, m] and replaced[h, h2, i, hi, m]
}

-- malloc(n) from free block i: split when the rest is at least MIN, else hand out the whole block.
pred malloc[h, h2: Heap, i, n: Int] {
  i in h.blocks.inds
  n > 0
  let b = h.blocks[i] {
    b.state = Free
    b.size >= n
    sub[b.size, n] >= MIN implies {
      some u, r: Block - h.blocks.elems {
        u != r
        u.state = Used and u.start = b.start and u.size = n
        r.state = Free and r.start = endOf[u] and r.size = sub[b.size, n] and r.footer = r.size
        h2.blocks = h.blocks.subseq[0, sub[i, 1]].add[u].add[r].append[h.blocks.subseq[add[i, 1], h.blocks.lastIdx]]
        #h2.blocks = add[#h.blocks, 1]
        h2.end = h.end
      }
    } else {
      some u: Block - h.blocks.elems {
        u.state = Used and u.start = b.start and u.size = b.size
        replaced[h, h2, i, i, u]
      }
    }
  }
}

assert freePreservesTiling {
  all h, h2: Heap, i: Int | tiles[h] and free[h, h2, i] implies tiles[h2]
}

assert freeKeepsFreeBlocksApart {
  all h, h2: Heap, i: Int | wellFormed[h] and free[h, h2, i] implies wellFormed[h2]
}

assert mallocPreservesTilingAndInvariants {
  all h, h2: Heap, i, n: Int | wellFormed[h] and malloc[h, h2, i, n] implies wellFormed[h2]
}

-- The broken free lets two free blocks touch: the checker must find that.
assert brokenFreeKeepsFreeBlocksApart {
  all h, h2: Heap, i: Int | wellFormed[h] and freeForgettingLeft[h, h2, i] implies noAdjacentFree[h2]
}

-- Not vacuous: a free that merges on both sides exists, and so does a splitting malloc.
run freeMergingBothSides {
  some h, h2: Heap, i: Int | wellFormed[h] and free[h, h2, i] and #h.blocks = 3 and #h2.blocks = 1
} for 5 but exactly 2 Heap, 4 Int, 3 seq expect 1

run mallocSplitting {
  some h, h2: Heap, i, n: Int | wellFormed[h] and malloc[h, h2, i, n] and #h2.blocks > #h.blocks
} for 5 but exactly 2 Heap, 4 Int, 3 seq expect 1

check freePreservesTiling for 5 but exactly 2 Heap, 4 Int, 3 seq expect 0
check freeKeepsFreeBlocksApart for 5 but exactly 2 Heap, 4 Int, 3 seq expect 0
check mallocPreservesTilingAndInvariants for 5 but exactly 2 Heap, 4 Int, 3 seq expect 0
check brokenFreeKeepsFreeBlocksApart for 5 but exactly 2 Heap, 4 Int, 3 seq expect 1
