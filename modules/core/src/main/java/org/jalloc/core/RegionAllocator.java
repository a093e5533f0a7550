package org.jalloc.core;

/**
 * An allocator whose blocks die together: a <em>checkpoint</em> records the allocation point, and releasing it frees
 * every block allocated since, in O(1) whatever their number (a stack's frames, an arena's marks). Beyond the
 * {@link Allocator} contract such an allocator keeps a discipline, which {@link #lifo()} names:
 *
 * <table class="striped">
 *   <caption>The two disciplines (misuse throws and leaves the heap exactly as it was)</caption>
 *   <tr><th>call</th><th>{@code lifo()} (a stack)</th><th>{@code !lifo()} (an arena)</th></tr>
 *   <tr><td>{@code free(p)}</td>
 *       <td>only the newest live block, and only if it was allocated after the newest open checkpoint; any other
 *       live block: {@link OutOfOrderFreeException}</td>
 *       <td>any live block; its bytes come back at once when it is the newest block above the newest open checkpoint,
 *       else when everything above it is gone (a release, a reset, or the frees of the newer blocks)</td></tr>
 *   <tr><td>{@code releaseTo(c)}</td>
 *       <td>only the newest open checkpoint; an older open one: {@link OutOfOrderFreeException}</td>
 *       <td>any open checkpoint: ends it and every newer one</td></tr>
 *   <tr><td>{@code releaseTo(c)}, {@code c} released already (or never taken)</td>
 *       <td colspan="2">{@link StaleCheckpointException}</td></tr>
 *   <tr><td>{@code realloc(p, n)} that would have to move a block the discipline cannot free</td>
 *       <td colspan="2">0, and {@code p} stays live and untouched (the ordinary failed realloc)</td></tr>
 * </table>
 *
 * <p>Checked mode ({@code CheckedAllocator}) passes a {@link DisciplineViolationException} through instead of
 * reporting it as a rejected valid call; the discipline fuzz of the test kit proves each allocator throws exactly
 * when its discipline says so.
 */
public interface RegionAllocator extends Allocator {
    /**
     * Takes a checkpoint at the current allocation point.
     *
     * @return a token for {@link #releaseTo}, never 0; 0 when there is no room to record one (a stack full to its
     *         limit), as {@code malloc} returns 0
     */
    long checkpoint();

    /**
     * Frees every block allocated since {@code checkpoint} was taken and ends the checkpoint (and, without
     * {@link #lifo()}, every newer one).
     *
     * @throws StaleCheckpointException if the checkpoint was released already or never taken here
     * @throws OutOfOrderFreeException  with {@link #lifo()}, if a newer checkpoint is still open
     */
    void releaseTo(long checkpoint);

    /** Frees every block and ends every checkpoint. */
    void reset();

    /** True for the strict last-in-first-out discipline of a stack, false for an arena's (see the class table). */
    boolean lifo();
}
