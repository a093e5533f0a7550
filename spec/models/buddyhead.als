/*
 * BUDDY-6: the head buddy keeps under debug=F alone, and why a damaged head cannot free another block.
 *
 * Units are 8-byte words. A block is a power of two of pages (PAGE words each), aligned to its size (BUDDY-1), and
 * no two allocated blocks overlap (BUDDY-2). Its payload u starts front words in: front = HEAD (16 bytes), or a
 * power of two above HEAD inside the block (an aligned allocation). The head alloc writes (BUDDY-6):
 *
 *   word(u - 8)  = size - front, with the flag ALIGNED exactly when front > HEAD
 *   word(u - 16) = front          (only with ALIGNED)
 *
 * free(u) reads what is there now — the caller may have damaged any of it (an underrun) — and screens it as
 * BuddyAllocator#screenedWord and #matchedOrder do: the flag is 0 or ALIGNED; with ALIGNED the front is a power of
 * two above HEAD and at most u; a block the page allocator has allocated starts at u - front; the word's size, read
 * unsigned, is at most the heap's capacity; and it is exactly that block's size less the front. The assertion: whatever the words hold, a screen that passes read the
 * head alloc wrote for the block at u, so a damaged head is refused (an InvalidPointerException, nothing freed),
 * never taken for another block's head or another size. Two broken screens must each give a counterexample: one
 * that skips the last test (the page allocator's order taken instead of the word's size), and one that reads the size
 * as a signed number (the screen before 2026-12-07, which this model found).
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module buddyhead

let HEAD = 2
let PAGE = 4
let ZONE = 16

fun pow2[o: Int]: Int { o = 0 => 1 else o = 1 => 2 else o = 2 => 4 else o = 3 => 8 else 16 }

pred powerOfTwo[x: Int] { x = 1 or x = 2 or x = 4 or x = 8 or x = 16 }

-- An allocated block of the page allocator, with the front its payload was handed out with.
sig Block {
  start: one Int,
  order: one Int,
  front: one Int
} {
  order >= 0 and order <= 2
  start >= 0 and add[start, size[this]] <= ZONE
  rem[start, size[this]] = 0
  front = HEAD or (powerOfTwo[front] and front > HEAD and front < size[this])
}

fun size[b: Block]: Int { mul[PAGE, pow2[b.order]] }

fun payload[b: Block]: Int { add[b.start, b.front] }

-- BUDDY-1 and BUDDY-2 as the page allocator keeps them: allocated blocks do not overlap.
fact disjoint {
  all disj b, c: Block | add[b.start, size[b]] <= c.start or add[c.start, size[c]] <= b.start
}

-- The front free(u) derives from the word's flag and, with ALIGNED, the word at u - 16.
fun frontRead[flag, frontWord: Int]: Int { flag = 1 => frontWord else HEAD }

-- The screen up to the block: the flag, the front, an allocated block c starting at u - front.
pred screensToBlock[u, flag, frontWord: Int, c: Block] {
  flag = 0 or flag = 1
  flag = 1 implies (frontWord > HEAD and powerOfTwo[frontWord] and frontWord <= u)
  c.start = sub[u, frontRead[flag, frontWord]]
}

-- The whole screen: the word's size, read unsigned, at most the heap's capacity; and exactly c's size less the
-- front (matchedOrder).
pred screens[u, len, flag, frontWord: Int, c: Block] {
  len >= 0 and len <= ZONE
  screensSigned[u, len, flag, frontWord, c]
}

-- The screen before 2026-12-07: the size compared with the capacity as a signed number, so a word with its top bit
-- set (a size "below zero") passed that test.
pred screensSigned[u, len, flag, frontWord: Int, c: Block] {
  len <= ZONE
  screensToBlock[u, flag, frontWord, c]
  len = sub[size[c], frontRead[flag, frontWord]]
}

-- What alloc wrote for b.
pred headOf[b: Block, len, flag, frontWord: Int] {
  len = sub[size[b], b.front]
  flag = (b.front > HEAD => 1 else 0)
  flag = 1 implies frontWord = b.front
}

assert damagedHeadIsRefused {
  all b, c: Block, len, flag, frontWord: Int |
    screens[payload[b], len, flag, frontWord, c] implies (c = b and headOf[b, len, flag, frontWord])
}

-- Broken: the size taken from the page allocator, the word's size never compared.
assert brokenScreenWithoutTheSize {
  all b, c: Block, len, flag, frontWord: Int |
    screensToBlock[payload[b], flag, frontWord, c] implies (c = b and headOf[b, len, flag, frontWord])
}

-- Broken: the size word read as a signed number (the screen before 2026-12-07): a damaged aligned head whose front
-- reaches back to an allocated block before it, and whose size is that block's size less that front (below zero),
-- passes, naming the block before. In the library the shadow's size compare (EngineShadow) stood before it, so the
-- free was refused all the same, as a changed size rather than a damaged word.
assert brokenScreenWithASignedSize {
  all b, c: Block, len, flag, frontWord: Int |
    screensSigned[payload[b], len, flag, frontWord, c] implies (c = b and headOf[b, len, flag, frontWord])
}

run anAlignedHeadPassesTheScreen {
  some b: Block, len, flag, frontWord: Int |
    b.front > HEAD and headOf[b, len, flag, frontWord] and screens[payload[b], len, flag, frontWord, b]
} for 3 but 6 Int expect 1

check damagedHeadIsRefused for 3 but 6 Int expect 0
check brokenScreenWithoutTheSize for 3 but 6 Int expect 1
check brokenScreenWithASignedSize for 3 but 6 Int expect 1
