/*
 * (d) SLUB's remote-free handoff (SLUB-1): every object of a slab is in exactly one place — allocated, the owner's
 * cpu free list, the slab's remote list, or the slab's own free list — across the operations that race on the
 * slab's remote word: the owner's allocation from its cpu free list, another thread's remote free (one CAS, only
 * while the word is not DETACHED), the owner taking the remote list whole (getAndSet(remote, 0)), a free into a
 * detached slab (under the arena lock), the owner's deactivation (getAndSet(remote, DETACHED): the cpu free list and
 * the remote list become the slab's free list), and a partial slab's activation.
 *
 * A deliberately broken deactivation reads the remote word and later writes DETACHED with a plain store: a remote
 * free that lands between the two is lost. Its check must find that counterexample.
 *
 * Every command carries its expected outcome; AlloyModelsTest fails the build on any other outcome.
 */
module slub

sig Obj {}
one sig Yes {}

sig State {
  allocated: set Obj,
  cpu: set Obj,        -- the owner's cpu free list (only while active)
  remote: set Obj,     -- pushed by other threads' CAS (only while active)
  slabFree: set Obj,   -- the slab's own free list (only while detached)
  taken: set Obj,      -- broken deactivation: the remote list it read, in its hands
  detached: lone Yes
}

-- SLUB-1: every object in exactly one place.
pred conserved[s: State] {
  Obj = s.allocated + s.cpu + s.remote + s.slabFree + s.taken
  no s.allocated & (s.cpu + s.remote + s.slabFree + s.taken)
  no s.cpu & (s.remote + s.slabFree + s.taken)
  no s.remote & (s.slabFree + s.taken)
  no s.slabFree & s.taken
}

-- Ownership: an active slab keeps no slab free list; a detached one has no cpu list and takes no remote frees.
pred owned[s: State] {
  no s.detached => no s.slabFree
  some s.detached => no s.cpu and no s.remote
}

pred wellFormed[s: State] { conserved[s] and owned[s] and no s.taken }

pred unchangedBut[s, s2: State] { s2.taken = s.taken }

pred ownerAlloc[s, s2: State, x: Obj] {
  no s.detached and x in s.cpu
  s2.cpu = s.cpu - x and s2.allocated = s.allocated + x
  s2.remote = s.remote and s2.slabFree = s.slabFree and s2.detached = s.detached and unchangedBut[s, s2]
}

-- Another thread's free: the CAS succeeds only while the word is not DETACHED.
pred remoteFree[s, s2: State, x: Obj] {
  no s.detached and x in s.allocated
  s2.remote = s.remote + x and s2.allocated = s.allocated - x
  s2.cpu = s.cpu and s2.slabFree = s.slabFree and s2.detached = s.detached and unchangedBut[s, s2]
}

-- The owner's own free into its active slab.
pred ownerFree[s, s2: State, x: Obj] {
  no s.detached and x in s.allocated
  s2.cpu = s.cpu + x and s2.allocated = s.allocated - x
  s2.remote = s.remote and s2.slabFree = s.slabFree and s2.detached = s.detached and unchangedBut[s, s2]
}

-- A free into a detached slab, under the arena lock.
pred lockedFree[s, s2: State, x: Obj] {
  some s.detached and x in s.allocated
  s2.slabFree = s.slabFree + x and s2.allocated = s.allocated - x
  s2.cpu = s.cpu and s2.remote = s.remote and s2.detached = s.detached and unchangedBut[s, s2]
}

-- getAndSet(remote, 0): the remote list becomes the cpu free list.
pred drain[s, s2: State] {
  no s.detached
  s2.cpu = s.cpu + s.remote and no s2.remote
  s2.allocated = s.allocated and s2.slabFree = s.slabFree and s2.detached = s.detached and unchangedBut[s, s2]
}

-- getAndSet(remote, DETACHED), one atomic step: both lists become the slab's free list.
pred deactivate[s, s2: State] {
  no s.detached
  some s2.detached
  s2.slabFree = s.slabFree + s.cpu + s.remote and no s2.cpu and no s2.remote
  s2.allocated = s.allocated and unchangedBut[s, s2]
}

-- Activation of a partial slab: its free list becomes the owner's cpu free list, remote = 0.
pred activate[s, s2: State] {
  some s.detached
  no s2.detached
  s2.cpu = s.slabFree and no s2.slabFree and no s2.remote
  s2.allocated = s.allocated and unchangedBut[s, s2]
}

pred step[s, s2: State] {
  (some x: Obj | ownerAlloc[s, s2, x] or remoteFree[s, s2, x] or ownerFree[s, s2, x] or lockedFree[s, s2, x])
  or drain[s, s2] or deactivate[s, s2] or activate[s, s2]
}

-- Broken: read the remote word (r = remote), ... , then a plain store of DETACHED.
pred brokenRead[s, s2: State] {
  no s.detached and no s.taken
  s2.taken = s.remote and no s2.remote
  s2.cpu = s.cpu and s2.allocated = s.allocated and s2.slabFree = s.slabFree and s2.detached = s.detached
}

pred brokenWrite[s, s2: State] {
  no s.detached
  some s2.detached
  -- what was read, and the cpu list, become the slab's free list; the word's newer pushes are overwritten
  s2.slabFree = s.slabFree + s.cpu + s.taken and no s2.cpu and no s2.remote and no s2.taken
  s2.allocated = s.allocated
}

assert remoteFreeHandoffConserves {
  all s, s2: State | wellFormed[s] and step[s, s2] implies wellFormed[s2]
}

-- Three steps from a fresh active slab (everything on the cpu list) keep every object in one place.
assert racesFromAFreshSlabConserve {
  all s1, s2, s3, s4: State |
    (s1.cpu = Obj and no s1.detached and no s1.remote and no s1.taken and no s1.slabFree and no s1.allocated
     and step[s1, s2] and step[s2, s3] and step[s3, s4]) implies wellFormed[s4]
}

assert brokenDeactivateConserves {
  all s1, s2, s3, s4: State, x: Obj |
    (wellFormed[s1] and brokenRead[s1, s2] and remoteFree[s2, s3, x] and brokenWrite[s3, s4]) implies conserved[s4]
}

run remoteFreeThenDeactivate {
  some s1, s2, s3: State, x: Obj | wellFormed[s1] and remoteFree[s1, s2, x] and deactivate[s2, s3] and x in s3.slabFree
} for 5 but exactly 3 State expect 1

check remoteFreeHandoffConserves for 5 but exactly 2 State expect 0
check racesFromAFreshSlabConserve for 4 but exactly 4 State expect 0
check brokenDeactivateConserves for 4 but exactly 4 State expect 1
