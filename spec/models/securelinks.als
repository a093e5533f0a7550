/*
 * (j) Encoded free-list links, secure=on (SEC-1): a link stored in a free block is never followed unless it decodes
 *     to 0 or to a block of the heap on the allocator's block grid.
 *
 * Addresses are Null (the link 0), Blocks (the heap's block grid: where a block can start) and Strays (everything
 * else: inside the heap off the grid, or outside it). A link is stored as a Word: stored = link XOR key XOR
 * swab(slot) (SecureLinks#encode), which for a fixed heap key and a fixed slot is a bijection from addresses to words;
 * the model keeps only that: each slot's `enc` is a bijection (which word each address becomes), and decoding is
 * its inverse. Nothing else about the key is modelled: its 64 random bits are what make a guessed word decode to a
 * stray address with overwhelming probability, which no finite model shows; what the model checks is the rule that
 * holds whatever the key is.
 *
 * State: the free list's head and the word stored in each free block. Operations, as SecureLinks and its callers do
 * them: push (a block freed: its word is the encoded old head, it becomes the head), pop (an allocation: the head's
 * word is decoded and checked BEFORE it is followed; a decoded link that is not Null or a Block throws
 * FreeListCorruptionException and changes nothing), and a stray write (a write after free: any word into any free
 * block). Checked: a pop, after any stray writes, leaves a head that is Null or a Block; a refused pop changes
 * nothing; push keeps every stored word decoding to the list it was written for (SEC-1 as a state invariant). The
 * broken variant follows the decoded link without the check (a plain free list, or secure mode that decodes but
 * does not check) and must produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module securelinks

abstract sig Addr {}
one sig Null extends Addr {}
sig Block extends Addr {
  enc: Addr -> one Word    -- the word this slot stores for each link (stored = link ^ key ^ swab(slot))
}
sig Stray extends Addr {}
sig Word {}

-- XOR with a fixed key and a fixed slot is a bijection: each word decodes to exactly one address.
fact encodingIsABijection {
  all s: Block, w: Word | one s.enc.w
}

fun decode[s: Block, w: Word]: Addr { s.enc.w }

sig Heap {
  head: Addr,
  free: set Block,          -- the blocks on the free list
  stored: Block -> lone Word  -- the link word inside each free block
}

fun next[h: Heap]: Block -> Addr { { b: h.free, n: Addr | n = decode[b, h.stored[b]] } }

-- SEC-1 as a state invariant: the head and every stored link decode to 0 or a free block of the grid.
pred sec1[h: Heap] {
  h.head in Null + h.free
  h.stored.Word = h.free
  all b: h.free | one h.stored[b] and decode[b, h.stored[b]] in Null + h.free
}

-- What a free list is besides (the allocators' own list invariants, FL-5 and kin): acyclic, every free block on it.
pred aList[h: Heap] {
  no b: h.free | b in b.^(next[h])
  h.free in h.head.*(next[h])
}

pred push[h, h2: Heap, b: Block] {
  b not in h.free
  h2.free = h.free + b
  h2.stored = h.stored ++ (b -> b.enc[h.head])
  h2.head = b
}

-- A write after free: any word into any free block.
pred strayWrite[h, h2: Heap, b: Block, w: Word] {
  b in h.free
  h2.free = h.free
  h2.stored = h.stored ++ (b -> w)
  h2.head = h.head
}

pred unchanged[h, h2: Heap] {
  h2.head = h.head and h2.free = h.free and h2.stored = h.stored
}

-- An allocation: the head is taken; its link is decoded and checked before it becomes the head.
pred pop[h, h2: Heap, x: Block] {
  h.head = x
  x in h.free
  let n = decode[x, h.stored[x]] | {
    n in Null + Block => {
      h2.head = n
      h2.free = h.free - x
      h2.stored = h.stored - (x -> Word)
    } else unchanged[h, h2]   -- FreeListCorruptionException: nothing changes
  }
}

-- Broken: follows the decoded link without checking it.
pred popUnchecked[h, h2: Heap, x: Block] {
  h.head = x
  x in h.free
  h2.head = decode[x, h.stored[x]]
  h2.free = h.free - x
  h2.stored = h.stored - (x -> Word)
}

-- Whatever words stray writes left in the free blocks, a pop never makes a stray address the head.
assert popNeverFollowsAStrayLink {
  all h, h2: Heap, x: Block | pop[h, h2, x] implies h2.head in Null + Block
}
assert aRefusedPopChangesNothing {
  all h, h2: Heap, x: Block | pop[h, h2, x] and decode[x, h.stored[x]] not in Null + Block implies unchanged[h, h2]
}
assert pushPreservesSec1 { all h, h2: Heap, b: Block | sec1[h] and aList[h] and push[h, h2, b] implies sec1[h2] and aList[h2] }
assert popPreservesSec1 {
  all h, h2: Heap, x: Block | sec1[h] and aList[h] and pop[h, h2, x] implies sec1[h2] and aList[h2] and h2.head = decode[x, h.stored[x]]
}
assert brokenPopNeverFollowsAStrayLink {
  all h, h2: Heap, x: Block | popUnchecked[h, h2, x] implies h2.head in Null + Block
}

run aStrayWriteIsCaughtAtTheNextPop {
  some h, h2, h3: Heap, x: Block, w: Word |
    sec1[h] and aList[h] and strayWrite[h, h2, x, w] and pop[h2, h3, x] and decode[x, w] in Stray and unchanged[h2, h3]
} for 4 but exactly 3 Heap expect 1

check popNeverFollowsAStrayLink for 5 but exactly 2 Heap expect 0
check aRefusedPopChangesNothing for 5 but exactly 2 Heap expect 0
check pushPreservesSec1 for 5 but exactly 2 Heap expect 0
check popPreservesSec1 for 5 but exactly 2 Heap expect 0
check brokenPopNeverFollowsAStrayLink for 5 but exactly 2 Heap expect 1
