/** A program that imports one jalloc module: the buddy allocator (and, through it, jalloc's Allocator API). */
module org.jalloc.examples.buddyhello {
    requires org.jalloc.buddy;
}
