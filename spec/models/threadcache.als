/*
 * (d) Thread-cache conservation (TC): every block is in exactly one place — allocated to the program, in one
 * thread's cache, in the central free list of its size class, or free in a span of the page heap — under every
 * transfer: malloc from the own cache, a batched refill from the central list, a refill of the central list from
 * a span, local and remote frees (a remote free goes to the freeing thread's cache), a batched flush to the
 * central list, a thread's cache returned on detach, and a span's free blocks returned to the page heap.
 *
 * A deliberately broken refill that copies blocks into a cache without taking them off the central list must
 * produce a counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module threadcache

sig Block {}
sig Thread {}

-- A batch of blocks moved together (a set quantified over inside step needs an atom to stand for it).
sig Batch { items: set Block }

sig World {
  allocated: set Block,
  cache: Thread -> set Block,
  central: set Block,
  span: set Block
}

-- Conservation: the places partition the blocks, and no block is in two threads' caches.
pred conserved[w: World] {
  Block = w.allocated + Thread.(w.cache) + w.central + w.span
  no w.allocated & Thread.(w.cache)
  no w.allocated & w.central
  no w.allocated & w.span
  no Thread.(w.cache) & w.central
  no Thread.(w.cache) & w.span
  no w.central & w.span
  all b: Thread.(w.cache) | one w.cache.b
}

-- Only the named parts change.
pred keepCentralSpan[w, w2: World] { w2.central = w.central and w2.span = w.span }
pred keepCachesExcept[w, w2: World, t: Thread] { all u: Thread - t | u.(w2.cache) = u.(w.cache) }

pred mallocLocal[w, w2: World, t: Thread, b: Block] {
  b in t.(w.cache)
  w2.cache = w.cache - t -> b
  w2.allocated = w.allocated + b
  keepCentralSpan[w, w2]
}

pred freeLocal[w, w2: World, t: Thread, b: Block] {
  b in w.allocated
  w2.allocated = w.allocated - b
  w2.cache = w.cache + t -> b
  keepCentralSpan[w, w2]
}

-- A block allocated by another thread, freed by t: it joins t's cache (the block carries no owner).
pred freeRemote[w, w2: World, t: Thread, b: Block] { freeLocal[w, w2, t, b] }

pred refill[w, w2: World, t: Thread, batch: set Block] {
  some batch and batch in w.central
  w2.central = w.central - batch
  w2.cache = w.cache + t -> batch
  w2.allocated = w.allocated and w2.span = w.span
}

pred flush[w, w2: World, t: Thread, batch: set Block] {
  some batch and batch in t.(w.cache)
  w2.cache = w.cache - t -> batch
  w2.central = w.central + batch
  w2.allocated = w.allocated and w2.span = w.span
}

pred detach[w, w2: World, t: Thread] {
  w2.cache = w.cache - t -> Block
  w2.central = w.central + t.(w.cache)
  w2.allocated = w.allocated and w2.span = w.span
}

pred carve[w, w2: World, batch: set Block] {
  some batch and batch in w.span
  w2.span = w.span - batch and w2.central = w.central + batch
  w2.cache = w.cache and w2.allocated = w.allocated
}

pred releaseSpan[w, w2: World, batch: set Block] {
  some batch and batch in w.central
  w2.central = w.central - batch and w2.span = w.span + batch
  w2.cache = w.cache and w2.allocated = w.allocated
}

-- Broken: the refill copies into the cache and leaves the blocks on the central list.
pred refillWithoutTaking[w, w2: World, t: Thread, batch: set Block] {
  some batch and batch in w.central
  w2.central = w.central
  w2.cache = w.cache + t -> batch
  w2.allocated = w.allocated and w2.span = w.span
}

pred step[w, w2: World] {
  (some t: Thread, b: Block | mallocLocal[w, w2, t, b] or freeLocal[w, w2, t, b] or freeRemote[w, w2, t, b])
  or (some t: Thread, x: Batch | refill[w, w2, t, x.items] or flush[w, w2, t, x.items])
  or (some t: Thread | detach[w, w2, t])
  or (some x: Batch | carve[w, w2, x.items] or releaseSpan[w, w2, x.items])
}

assert everyTransferConserves { all w, w2: World | conserved[w] and step[w, w2] implies conserved[w2] }
assert brokenRefillConserves {
  all w, w2: World, t: Thread, x: Batch | conserved[w] and refillWithoutTaking[w, w2, t, x.items] implies conserved[w2]
}

run remoteFreeThenFlush {
  some disj w, w2, w3: World, disj t, u: Thread, b: Block |
    conserved[w] and b in w.allocated and freeRemote[w, w2, u, b] and flush[w2, w3, u, b] and b in w3.central
      and some t.(w.cache)
} for 4 but exactly 3 World expect 1

check everyTransferConserves for 5 but exactly 2 World expect 0
check brokenRefillConserves for 5 but exactly 2 World expect 1
