#!/usr/bin/env bash
# Rewrites the mechanical part of the issue-16 API split in the Java files given (or under the directories given):
# package moves, the walk hook, the types lookup. What needs judgement is left and listed at the end: calls of
# heap()/heapWalk() on an allocator (use org.jalloc.core.walk.Inspection.of(allocator).heap()), StatsSection
# sections (write a typed AllocatorMetric record), public Heap constructors (make them package-private and add a
# static factory), providers (move to <module>.internal). See docs/migration-0.2.md.
set -euo pipefail
files=$(find "${@:-modules}" -name '*.java')
sed -i -E \
  -e 's/org\.jalloc\.core\.(AbstractAllocator|ForwardingAllocator|AllocatorFactory)\b/org.jalloc.core.spi.\1/g' \
  -e 's/org\.jalloc\.core\.(spi\.)?LiveBlocks\b/org.jalloc.core.shadow.LiveBlocks/g' \
  -e 's/org\.jalloc\.core\.memory\.Libc\b/org.jalloc.core.nativeaccess.Libc/g' \
  -e 's/^(    @Override\n)?    public HeapWalk heapWalk\(\) \{/    protected HeapWalk walk() {/' \
  -e 's/Allocators\.types\(\)/org.jalloc.core.spi.AllocatorTypes.all()/g' \
  -e 's/Allocators\.require\(/org.jalloc.core.spi.AllocatorTypes.require(/g' \
  -e 's/protected List<StatsSection> statsSections\(\)/protected List<org.jalloc.core.AllocatorMetric> metrics()/' \
  $files
echo "left for judgement:" >&2
grep -nE 'StatsSection|\.heap\(\)|\.heapWalk\(\)|public [A-Z][A-Za-z]*\((Heap|org\.jalloc\.core\.memory\.Heap) ' $files >&2 || true
