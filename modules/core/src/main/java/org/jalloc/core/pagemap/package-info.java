/**
 * The one radix page map (page number to entry, root and leaves) that the slab family and thread-cache share.
 * Exported only to those modules.
 */
package org.jalloc.core.pagemap;
