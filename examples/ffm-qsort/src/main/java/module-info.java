/** A program that hands memory from a jalloc allocator to native code through FFM. */
module org.jalloc.examples.ffmqsort {
    requires org.jalloc.freelist;
}
