/*
 * (b) The binary buddy system: split and merge preserve "every block is aligned to its size" (BUDDY-1), "the
 * blocks tile the zone" (BUDDY-2) and "no free block has a free buddy of the same order" (BUDDY-3).
 *
 * A zone of 2^MAX minimum units; a heap is a set of blocks, each with an address (in units), an order and a
 * state. The buddy of a block of order k at address a is at a XOR 2^k, written here without XOR as
 * "a + 2^k if a is a multiple of 2^(k+1), else a - 2^k".
 *
 * alloc(o) takes the smallest free block of order k >= o and splits it down, pushing the upper halves (free
 * blocks of orders o..k-1). free(b) merges recursively while the buddy is a free block of the same order. A
 * deliberately broken free that never merges must produce a counterexample for BUDDY-3.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module buddy

abstract sig State {}
one sig Free, Used extends State {}

let MAX = 3

sig Block {
  addr: one Int,
  order: one Int,
  state: one State
} {
  order >= 0 and order <= MAX
  addr >= 0 and addr < pow2[MAX]
}

sig Heap {
  blocks: set Block
}

fun pow2[o: Int]: Int { o = 0 => 1 else o = 1 => 2 else o = 2 => 4 else 8 }

fun size[b: Block]: Int { pow2[b.order] }

fun buddyAddr[a, o: Int]: Int { rem[a, pow2[add[o, 1]]] = 0 => add[a, pow2[o]] else sub[a, pow2[o]] }

-- BUDDY-1: every block is aligned to its own size.
pred aligned[h: Heap] { all b: h.blocks | rem[b.addr, size[b]] = 0 }

-- BUDDY-2: every unit of the zone lies in exactly one block.
pred tiles[h: Heap] {
  all u: Int | (u >= 0 and u < pow2[MAX]) implies
    one b: h.blocks | b.addr <= u and u < add[b.addr, size[b]]
}

-- BUDDY-3: no free block has a free buddy of the same order.
pred noFreeBuddy[h: Heap] {
  no disj b, c: h.blocks |
    b.state = Free and c.state = Free and b.order = c.order and c.addr = buddyAddr[b.addr, b.order]
}

pred wellFormed[h: Heap] { aligned[h] and tiles[h] and noFreeBuddy[h] }

-- The free block of order o at address a in h, if any.
fun freeAt[h: Heap, a, o: Int]: set Block { { b: h.blocks | b.state = Free and b.addr = a and b.order = o } }

-- alloc(o): the smallest free block B of order k >= o is split down to order o.
pred alloc[h, h2: Heap, o: Int] {
  o >= 0 and o <= MAX
  some bb: h.blocks {
    bb.state = Free and bb.order >= o
    no f: h.blocks | f.state = Free and f.order >= o and f.order < bb.order
    some a: Block - h.blocks {
      a.state = Used and a.addr = bb.addr and a.order = o
      let halves = { f: h2.blocks - h.blocks - a | f.state = Free } {
        h2.blocks = h.blocks - bb + a + halves
        all j: Int | (j >= o and j < bb.order) implies one f: halves | f.order = j and f.addr = add[bb.addr, pow2[j]]
        all f: halves | f.order >= o and f.order < bb.order and f.addr = add[bb.addr, pow2[f.order]]
      }
    }
  }
}

-- free(b): b and the chain of free buddies it merges with become one free block m of order k.
pred free[h, h2: Heap, b: Block] {
  b in h.blocks and b.state = Used
  some m: Block - h.blocks, k: Int {
    k >= b.order and k <= MAX
    m.state = Free and m.order = k and rem[b.addr, pow2[k]] = sub[b.addr, m.addr] and m.addr <= b.addr
    -- every level below k had a free buddy of that order ...
    all j: Int | (j >= b.order and j < k) implies
      some freeAt[h, buddyAddr[sub[b.addr, rem[b.addr, pow2[j]]], j], j]
    -- ... and the merge stopped at k because the buddy of m is not a free block of order k (or m is the zone)
    k < MAX implies no freeAt[h, buddyAddr[m.addr, k], k]
    h2.blocks = h.blocks - b - { c: h.blocks | c.state = Free and c.addr >= m.addr and c.addr < add[m.addr, pow2[k]] } + m
  }
}

-- A broken free: marks the block free without merging.
pred freeWithoutMerge[h, h2: Heap, b: Block] {
  b in h.blocks and b.state = Used
  some m: Block - h.blocks {
    m.state = Free and m.addr = b.addr and m.order = b.order
    h2.blocks = h.blocks - b + m
  }
}

assert allocPreservesInvariants {
  all h, h2: Heap, o: Int | wellFormed[h] and alloc[h, h2, o] implies wellFormed[h2]
}

assert freePreservesInvariants {
  all h, h2: Heap, b: Block | wellFormed[h] and free[h, h2, b] implies wellFormed[h2]
}

assert brokenFreeKeepsBuddiesMerged {
  all h, h2: Heap, b: Block | wellFormed[h] and freeWithoutMerge[h, h2, b] implies noFreeBuddy[h2]
}

run freeMergingTwoLevels {
  some h, h2: Heap, b: Block | wellFormed[h] and free[h, h2, b] and b.order = 0 and h2.blocks.order = MAX
} for 6 but exactly 2 Heap, 5 Int expect 1

run allocSplittingTwice {
  some h, h2: Heap | wellFormed[h] and alloc[h, h2, 0] and #h2.blocks = add[#h.blocks, 2]
} for 6 but exactly 2 Heap, 5 Int expect 1

check allocPreservesInvariants for 6 but exactly 2 Heap, 5 Int expect 0
check freePreservesInvariants for 6 but exactly 2 Heap, 5 Int expect 0
check brokenFreeKeepsBuddiesMerged for 6 but exactly 2 Heap, 5 Int expect 1
